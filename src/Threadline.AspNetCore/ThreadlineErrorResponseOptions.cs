namespace Threadline.AspNetCore;

/// <summary>How <see cref="TransientDatabaseFailureHandler"/> answers.</summary>
public sealed class ThreadlineErrorResponseOptions
{
    /// <summary>The <c>Retry-After</c> of a 503 for a transient database failure, rounded up to whole seconds; 2 s by default.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}
