using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>
/// What PgBouncer is rendered with. Users are added by <see cref="PgBouncerBuilderExtensions.AddPooledDatabase"/>;
/// the pool is set by <see cref="PgBouncerBuilderExtensions.WithPoolMode"/> and <see cref="PgBouncerBuilderExtensions.WithPoolSize"/>.
/// Read when the resource starts, so settings changed after <c>AddPgBouncer</c> still apply.
/// </summary>
public sealed class PgBouncerSettings
{
    /// <summary>The name of PgBouncer's TCP endpoint, which the connection strings point at.</summary>
    public const string EndpointName = "tcp";

    /// <summary>The pool size of the reference platform: small on purpose, so tests prove no actor leaks across it.</summary>
    public const int DefaultPoolSize = 3;

    /// <summary>
    /// The <c>pgbouncer.ini</c> template (a copy of Threadline's <c>pgbouncer/pgbouncer.ini</c>) whose placeholders are filled
    /// in at start.
    /// </summary>
    public required string TemplatePath { get; init; }

    /// <summary>The PostgreSQL database PgBouncer exposes, under the same name.</summary>
    public required string DatabaseName { get; init; }

    /// <summary>Where PgBouncer reaches PostgreSQL from where it runs (loopback locally, the server's name between containers).</summary>
    public required PoolerBackend Backend { get; init; }

    /// <summary>Rendered as <c>pool_mode</c>. Transaction pooling unless changed.</summary>
    public PgBouncerPoolMode PoolMode { get; set; } = PgBouncerPoolMode.Transaction;

    /// <summary>Server connections per user and database (<c>default_pool_size</c> and <c>max_db_connections</c>).</summary>
    public int PoolSize
    {
        get;
        set => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "PgBouncer needs at least one server connection.");
    } = DefaultPoolSize;

    /// <summary>
    /// The pooled databases' logins, written to the auth file at start; the first one is the login of PgBouncer's health check.
    /// </summary>
    public List<(string User, ParameterResource Password)> Users { get; } = [];

    /// <summary>
    /// The PostgreSQL role PgBouncer logs in as to look client passwords up with <see cref="AuthQuery"/>
    /// (<c>auth_user</c>); set by <see cref="PgBouncerBuilderExtensions.WithAuthQuery"/>. Publish mode needs it: the
    /// published container is configured by environment and holds no auth file of the users' passwords.
    /// </summary>
    public string? AuthUser { get; set; }

    /// <summary>The password of <see cref="AuthUser"/>, a secret parameter.</summary>
    public ParameterResource? AuthPassword { get; set; }

    /// <summary>PgBouncer's <c>auth_query</c>: returns the user name and its password hash for <c>$1</c>.</summary>
    public string? AuthQuery { get; set; }

    /// <summary>
    /// PgBouncer's <c>stats_users</c> entry: may run read-only SHOW commands on the admin console (database <c>pgbouncer</c>).
    /// </summary>
    public string StatsUser { get; init; } = "pgbouncer_stats";

    /// <summary>
    /// The stats user's password, generated per AppHost run and written only to the auth file: the user exists in
    /// PgBouncer alone (read-only SHOW commands on its admin console), never in PostgreSQL.
    /// </summary>
    public string StatsPassword { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
}
