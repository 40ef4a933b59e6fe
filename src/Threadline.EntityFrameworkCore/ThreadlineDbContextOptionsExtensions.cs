using Microsoft.EntityFrameworkCore;

namespace Threadline.EntityFrameworkCore;

public static class ThreadlineDbContextOptionsExtensions
{
    /// <summary>Stamps the current audit context (from <paramref name="accessor"/>) into every write this context sends.</summary>
    public static DbContextOptionsBuilder UseThreadline(this DbContextOptionsBuilder builder, IAuditContextAccessor accessor)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(accessor);
        return builder.AddInterceptors(new ThreadlineCommandInterceptor(accessor));
    }
}
