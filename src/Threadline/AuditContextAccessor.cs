namespace Threadline;

/// <summary>Gives the audit context of the current logical operation (HTTP request, consumed message, job).</summary>
public interface IAuditContextAccessor
{
    /// <summary>The context of the current operation; <see langword="null"/> outside any <see cref="Begin"/> scope.</summary>
    AuditContext? Current { get; }

    /// <summary>Makes <paramref name="context"/> current until the returned scope is disposed.</summary>
    IDisposable Begin(AuditContext context);
}

/// <summary>
/// An <see cref="AsyncLocal{T}"/> accessor: the context flows with async calls of one operation and never
/// crosses to another, so a singleton accessor cannot misattribute concurrent requests.
/// </summary>
public sealed class AuditContextAccessor : IAuditContextAccessor
{
    private static readonly AsyncLocal<Holder?> CurrentHolder = new();

    /// <inheritdoc/>
    public AuditContext? Current => CurrentHolder.Value?.Context;

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is <see langword="null"/>.</exception>
    public IDisposable Begin(AuditContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var previous = CurrentHolder.Value;
        var holder = new Holder(context);
        CurrentHolder.Value = holder;
        return new Scope(holder, previous);
    }

    private sealed class Holder(AuditContext context)
    {
        public AuditContext? Context { get; set; } = context;
    }

    private sealed class Scope(Holder holder, Holder? previous) : IDisposable
    {
        public void Dispose()
        {
            // Clear the holder too, so copies of the execution context captured by fire-and-forget work see no context.
            holder.Context = null;
            CurrentHolder.Value = previous;
        }
    }
}
