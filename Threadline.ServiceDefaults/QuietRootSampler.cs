using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The default sampler (parent-based, always on), except that a trace started by one of <paramref name="quietRoots"/>
/// is not exported. It is "record only", not "drop": the SDK creates no activity at all for a dropped root, so the
/// spans under it (the database calls of a poll) would become roots of their own. A record-only span exists without
/// the sampled flag: exporters skip it, and the parent-based default drops everything under it. The same names under
/// a sampled parent are kept.
/// </summary>
public sealed class QuietRootSampler(IEnumerable<string> quietRoots) : Sampler
{
    private readonly HashSet<string> _quietRoots = new(quietRoots, StringComparer.Ordinal);
    private readonly Sampler _default = new ParentBasedSampler(new AlwaysOnSampler());

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.ParentContext.TraceId == default && _quietRoots.Contains(samplingParameters.Name)
            ? new SamplingResult(SamplingDecision.RecordOnly)
            : _default.ShouldSample(samplingParameters);
}
