namespace Threadline.Platform.Outbox;

/// <summary>What the dispatcher needs to know: which instance it is, and the message types it may publish.</summary>
public sealed class OutboxOptions
{
    private readonly Dictionary<string, Type> _types = new(StringComparer.Ordinal);

    /// <summary>Written into dispatched_by, so that a row names the instance that published it.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Allows the dispatcher to publish messages of type <typeparamref name="T"/> (stored under its name).</summary>
    public OutboxOptions AddMessage<T>()
        where T : class
    {
        _types[OutboxMessageTypeName.Of(typeof(T))] = typeof(T);
        return this;
    }

    /// <summary>The registered type stored under <paramref name="name"/>, or null.</summary>
    public Type? MessageType(string name) => _types.GetValueOrDefault(name);
}
