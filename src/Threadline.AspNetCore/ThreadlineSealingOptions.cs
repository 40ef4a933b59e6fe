using Threadline.Schema;

namespace Threadline.AspNetCore;

/// <summary>Options of <see cref="AuditSealingService"/>, bound from configuration (section "Threadline:Sealing" by default).</summary>
public sealed class ThreadlineSealingOptions
{
    /// <summary>A connection as the owner or a role in the retention group (seal() is granted to those); never the application role.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Time between seals; rows committed in between are covered by the next one.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Write no seal when nothing new became visible, so an idle system does not grow the chain.</summary>
    public bool SkipWhenNothingNew { get; set; } = true;

    /// <summary>The schema and role names of the installation to seal; the defaults unless the schema was installed with others.</summary>
    public ThreadlineSchemaOptions Schema { get; set; } = ThreadlineSchemaOptions.Default;
}
