using Microsoft.EntityFrameworkCore;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

/// <summary>Adds Threadline's EF Core bridge to a <see cref="DbContextOptionsBuilder"/>.</summary>
public static class ThreadlineDbContextOptionsExtensions
{
    /// <summary>
    /// Stamps the current audit context (from <paramref name="accessor"/>) into every write this context sends:
    /// SaveChanges, explicit transactions, ExecuteUpdate/ExecuteDelete and raw SQL. Each audited commit also shows as
    /// a <c>threadline.audit</c> span while the <c>Threadline</c> source is traced.
    /// </summary>
    /// <remarks>
    /// The interceptors read <see cref="IAuditContextAccessor.Current"/> at every transaction and write, never when the
    /// options are built, so options shared by pooled contexts (<c>AddDbContextPool</c>, <c>AddPooledDbContextFactory</c>)
    /// attribute each write to the operation that rented the context.
    /// </remarks>
    /// <param name="builder">The options of the context to audit; the Npgsql provider is required.</param>
    /// <param name="accessor">Supplies the current audit context; share the singleton the HTTP and messaging bridges use.</param>
    /// <param name="auditUrlTemplate">
    /// A page showing an audit transaction, with <c>{id}</c> for its id (for example the admin UI's
    /// <c>/ui/transactions/{id}</c>), put on the audit span as <c>threadline.audit.url</c>; null for none.
    /// </param>
    /// <param name="schema">
    /// The audit schema's options when it is not installed under the default name: the context hand-over, the audit
    /// span's summary and <c>RecordThreadlineActionAsync</c> then use that schema.
    /// </param>
    /// <returns><paramref name="builder"/>.</returns>
    public static DbContextOptionsBuilder UseThreadline(this DbContextOptionsBuilder builder, IAuditContextAccessor accessor, string? auditUrlTemplate = null, ThreadlineSchemaOptions? schema = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(accessor);
        var stamped = new StampedTransactions();
        return builder.AddInterceptors(
            new ThreadlineTransactionInterceptor(accessor, stamped, auditUrlTemplate, schema),
            new ThreadlineCommandInterceptor(accessor, stamped, schema));
    }

    /// <summary>
    /// Stamps the current audit context (from <paramref name="accessor"/>) into every write this context sends, as
    /// <see cref="UseThreadline(DbContextOptionsBuilder, IAuditContextAccessor, string?, ThreadlineSchemaOptions?)"/>
    /// does, and keeps the builder typed, so <c>.Options</c> is a <see cref="DbContextOptions{TContext}"/>.
    /// </summary>
    /// <typeparam name="TContext">The context type.</typeparam>
    /// <param name="builder">The options of the context to audit; the Npgsql provider is required.</param>
    /// <param name="accessor">Supplies the current audit context; share the singleton the HTTP and messaging bridges use.</param>
    /// <param name="auditUrlTemplate">A page showing an audit transaction, with <c>{id}</c> for its id, put on the audit span; null for none.</param>
    /// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static DbContextOptionsBuilder<TContext> UseThreadline<TContext>(this DbContextOptionsBuilder<TContext> builder, IAuditContextAccessor accessor, string? auditUrlTemplate = null, ThreadlineSchemaOptions? schema = null)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseThreadline((DbContextOptionsBuilder)builder, accessor, auditUrlTemplate, schema);
}
