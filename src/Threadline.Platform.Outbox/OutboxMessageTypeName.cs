namespace Threadline.Platform.Outbox;

/// <summary>The name a message type is stored under in outbox_messages.message_type.</summary>
public static class OutboxMessageTypeName
{
    /// <summary>The type's short name: stable across assembly versions, and what rows written before the component hold.</summary>
    public static string Of(Type type) => type.Name;
}
