using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>
/// What PgBouncer is rendered with. Databases and users are added by <c>AddPooledDatabase</c>; the pool is set by
/// <c>WithPoolMode</c> and <c>WithPoolSize</c> (<see cref="PgBouncerBuilderExtensions"/>).
/// Read when the resource starts, so settings changed after <c>AddPgBouncer</c> still apply.
/// </summary>
public sealed class PgBouncerSettings
{
    /// <summary>The name of PgBouncer's TCP endpoint, which the connection strings point at.</summary>
    public const string EndpointName = "tcp";

    /// <summary>The pool size of the reference platform: small on purpose, so tests prove no actor leaks across it.</summary>
    public const int DefaultPoolSize = 3;

    /// <summary>
    /// A <c>pgbouncer.ini</c> template of your own (start from a copy of the built-in one, Threadline's
    /// <c>pgbouncer/pgbouncer.ini</c>) whose placeholders are filled in at start; <see langword="null"/> for the built-in one.
    /// </summary>
    public string? TemplatePath { get; init; }

    /// <summary>
    /// The PostgreSQL databases PgBouncer exposes, each under its own name: one <c>[databases]</c> line each, added by
    /// <c>AddPooledDatabase</c>.
    /// </summary>
    public List<string> Databases { get; } = [];

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

    /// <summary>The server PgBouncer pools; a pooled database must be one of its databases.</summary>
    internal IResource? Server { get; init; }

    /// <summary>The pooled databases in the order they were added; the first one's login is PgBouncer's health check.</summary>
    internal List<PgBouncerDatabaseResource> PooledDatabases { get; } = [];

    /// <summary>How error messages name the template.</summary>
    internal string TemplateName => TemplatePath ?? "the built-in pgbouncer.ini";

    /// <summary>
    /// The pooled databases' logins (one entry per user), written to the auth file at start.
    /// </summary>
    public List<(string User, ParameterResource Password)> Users { get; } = [];

    /// <summary>
    /// The PostgreSQL role PgBouncer logs in as to look client passwords up with <see cref="AuthQuery"/>
    /// (<c>auth_user</c>); set by <c>WithAuthQuery</c>. Publish mode needs it: the
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
