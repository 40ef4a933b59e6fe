namespace Threadline.AspNetCore.Investigation;

/// <summary>Options of the investigation API (<c>MapThreadlineInvestigation</c>).</summary>
public sealed class ThreadlineInvestigationOptions
{
    /// <summary>
    /// Builds a link to a transaction's trace from its W3C trace id, for example a page of the tracing dashboard; return
    /// null for no link. Without it, transactions carry no trace link.
    /// </summary>
    public Func<string, string?>? TraceUrl { get; set; }
}
