namespace Threadline.Platform.Outbox;

/// <summary>Wakes the outbox dispatcher right after a commit that wrote outbox rows, instead of waiting for its sweep.</summary>
public interface IOutboxWake
{
    /// <summary>Asks for a dispatch now; several calls before the dispatcher runs make one dispatch.</summary>
    void Wake();
}
