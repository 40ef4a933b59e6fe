namespace Threadline.Platform;

/// <summary>Resource and connection names shared by the AppHost, the services and the tests.</summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";
    public const string DatabaseName = "threadline";
    /// <summary>Direct (unpooled) connection to the database: DDL and schema installation only.</summary>
    public const string DirectDatabase = "threadline-direct";
    public const string PgBouncer = "pgbouncer";
    /// <summary>The database through PgBouncer as the application role.</summary>
    public const string AppDatabase = "app-db";
    /// <summary>The database through PgBouncer as the audit reader role.</summary>
    public const string AuditReaderDatabase = "audit-reader-db";
    public const string RabbitMQ = "rabbitmq";
    public const string SchemaManager = "schema-manager";
    public const string PostsApi = "posts-api";
    public const string JobWorker = "job-worker";
    public const string AdminService = "admin";
}

/// <summary>Login roles of the reference platform. The Threadline group roles they join come from the library.</summary>
public static class PlatformRoles
{
    public const string AppUser = "threadline_app";
    public const string AuditorUser = "threadline_auditor";

    /// <summary>
    /// The role a published PgBouncer logs in as to look the two login roles' password hashes up (auth_query), so its
    /// container holds no file of their passwords. Created only when the schema manager is given its password.
    /// </summary>
    public const string PgBouncerAuthUser = "threadline_pgbouncer_auth";

    /// <summary>PgBouncer's auth_query: the SECURITY DEFINER lookup PlatformDatabase creates, answering for the login roles only.</summary>
    public const string PgBouncerAuthQuery = "SELECT uname, phash FROM pgbouncer_auth.user_lookup($1)";
}

/// <summary>Configuration keys the AppHost hands to the services.</summary>
public static class PlatformConfig
{
    public const string SigningKey = "Auth:SigningKey";
    public const string AppUserPassword = "Platform:AppUserPassword";
    public const string AuditorUserPassword = "Platform:AuditorUserPassword";

    /// <summary>The password of PlatformRoles.PgBouncerAuthUser; the schema manager creates that role only when given one (publish mode).</summary>
    public const string PgBouncerAuthPassword = "Platform:PgBouncerAuthPassword";

    /// <summary>The Aspire dashboard's base URL, for links from audited transactions to their traces; empty when there is no dashboard.</summary>
    public const string DashboardUrl = "Platform:DashboardUrl";

    /// <summary>The admin service's base URL, for the link on each audit span to the transaction's page in the admin UI.</summary>
    public const string AdminUrl = "Platform:AdminUrl";

    /// <summary>The admin UI page of one audit transaction, below <see cref="AdminUrl"/>; <c>{id}</c> is the transaction id.</summary>
    public const string AdminTransactionPath = "/ui/transactions/{id}";

    /// <summary>Enables test-only crash points in the services (set by the AppHost only when asked; see FaultInjection).</summary>
    public const string FaultInjection = "Platform:FaultInjection";

    /// <summary>Writes posts-api runs at once, and writes it queues, before answering 503 (WriteBackpressure).</summary>
    public const string WritesMaxConcurrent = "Platform:Writes:MaxConcurrent";

    public const string WritesQueueLimit = "Platform:Writes:QueueLimit";

    /// <summary>How many instances of posts-api, job-worker and admin the AppHost runs (WithReplicas); 1 unless set.</summary>
    public const string Replicas = "Platform:Replicas";
}
