using Microsoft.EntityFrameworkCore;

namespace Threadline.EntityFrameworkCore;

public static class ThreadlineDbContextOptionsExtensions
{
    /// <summary>
    /// Stamps the current audit context (from <paramref name="accessor"/>) into every write this context sends:
    /// SaveChanges, explicit transactions, ExecuteUpdate/ExecuteDelete and raw SQL.
    /// </summary>
    public static DbContextOptionsBuilder UseThreadline(this DbContextOptionsBuilder builder, IAuditContextAccessor accessor)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(accessor);
        var stamped = new StampedTransactions();
        return builder.AddInterceptors(
            new ThreadlineTransactionInterceptor(accessor, stamped),
            new ThreadlineCommandInterceptor(accessor, stamped));
    }
}
