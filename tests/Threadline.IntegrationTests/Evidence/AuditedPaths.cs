namespace Threadline.IntegrationTests.Evidence;

/// <summary>The kind of an audited path, as the STG audited-path rubric names it.</summary>
public enum PathKind
{
    Http,
    Job,
}

/// <summary>
/// Declares one path of the reference platform for the STG evidence matrix (<c>docs/stg-evidence.md</c>). Put on a
/// <c>const string</c> of <see cref="AuditedPaths"/>; the constant's value is the path as the matrix shows it.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class AuditedPathAttribute(PathKind kind, string service, string description) : Attribute
{
    public PathKind Kind { get; } = kind;

    /// <summary>The Aspire resource that serves the path.</summary>
    public string Service { get; } = service;

    /// <summary>What the path writes (or reads), in one sentence.</summary>
    public string Description { get; } = description;

    /// <summary>
    /// Set only when the path performs no audited write: an objective one-line justification tied to what the code
    /// does (STG-03). A path without it is in scope, and shows as Not run until a passing test proves it.
    /// </summary>
    public string? NotApplicable { get; set; }
}

/// <summary>
/// Every HTTP route and job consumer of the reference platform, declared once. Integration tests say which path they
/// prove with <see cref="ProvesPathAttribute"/>; <c>tests/Threadline.EvidenceMatrix</c> turns the declarations and
/// the test results into the STG audited-path matrix. <see cref="DeclaredPathsTests"/> fails when a route or consumer
/// in the services is missing here, or a declaration names one that no longer exists.
/// </summary>
public static class AuditedPaths
{
    private const string AdminReadOnly =
        "Read-only: the admin service reaches PostgreSQL only as threadline_auditor (threadline_reader, SELECT-only on the audit schema, see LeastPrivilegeTests), so it makes no change to capture.";

    // posts-api (src/Threadline.Platform.PostsApi/PostsEndpoints.cs)

    [AuditedPath(PathKind.Http, "posts-api", "Inserts a post and records the posts.create action in one transaction, as the token's subject; publishes PostChanged.")]
    public const string CreatePost = "POST /posts";

    [AuditedPath(PathKind.Http, "posts-api", "Updates a post's title and body and records posts.update in one transaction, as the token's subject; publishes PostChanged.")]
    public const string UpdatePost = "PUT /posts/{id}";

    [AuditedPath(PathKind.Http, "posts-api", "Deletes a post (EF Core ExecuteDelete inside the transaction) and records posts.delete, as the token's subject.")]
    public const string DeletePost = "DELETE /posts/{id}";

    [AuditedPath(PathKind.Http, "posts-api", "Reads one post.",
        NotApplicable = "Read-only: the handler runs one no-tracking SELECT and writes nothing, so there is no change to capture.")]
    public const string GetPost = "GET /posts/{id}";

    // job-worker (src/Threadline.Platform.JobWorker/RefreshPostConsumer.cs)

    [AuditedPath(PathKind.Job, "job-worker", "MassTransit consumer of PostChanged over RabbitMQ: updates word_count and indexed_at with EF Core and records posts.refresh, attributed to the original actor with source = job and job_id = the message id.")]
    public const string RefreshPostJob = "RefreshPostConsumer (PostChanged)";

    // admin (src/Threadline.AspNetCore/ThreadlineInvestigationExtensions.cs, hosted by the admin service): the investigation API reads audit data only.

    [AuditedPath(PathKind.Http, "admin", "Timeline of changes, filtered and paged with a keyset cursor.", NotApplicable = AdminReadOnly)]
    public const string AuditChanges = "GET /api/v1/audit/changes";

    [AuditedPath(PathKind.Http, "admin", "One change with its transaction context.", NotApplicable = AdminReadOnly)]
    public const string AuditChange = "GET /api/v1/audit/changes/{id}";

    [AuditedPath(PathKind.Http, "admin", "One change field by field; masked fields stay masked.", NotApplicable = AdminReadOnly)]
    public const string AuditChangeDiff = "GET /api/v1/audit/changes/{id}/diff";

    [AuditedPath(PathKind.Http, "admin", "A transaction, its changes and a link to its trace.", NotApplicable = AdminReadOnly)]
    public const string AuditTransaction = "GET /api/v1/audit/transactions/{id}";

    [AuditedPath(PathKind.Http, "admin", "Every change of one row, oldest first.", NotApplicable = AdminReadOnly)]
    public const string AuditRowHistory = "GET /api/v1/audit/rows/{schema}/{table}/history";

    [AuditedPath(PathKind.Http, "admin", "The row as it stood at a point in time.", NotApplicable = AdminReadOnly)]
    public const string AuditRowState = "GET /api/v1/audit/rows/{schema}/{table}/state";

    [AuditedPath(PathKind.Http, "admin", "What an actor changed in a window, per table and operation.", NotApplicable = AdminReadOnly)]
    public const string AuditActorActivity = "GET /api/v1/audit/actors/{type}/{id}/activity";

    [AuditedPath(PathKind.Http, "admin", "A semantic action and the changes of its transaction.", NotApplicable = AdminReadOnly)]
    public const string AuditAction = "GET /api/v1/audit/actions/{id}";

    [AuditedPath(PathKind.Http, "admin", "Streams matching changes as CSV, NDJSON or JSON; dryRun=true counts them.", NotApplicable = AdminReadOnly)]
    public const string AuditExport = "GET /api/v1/audit/export";

    // admin (src/Threadline.AspNetCore.AdminUi/Pages/Ui, hosted by the admin service): the server-rendered investigation UI.

    [AuditedPath(PathKind.Http, "admin", "Admin UI pages (timeline, row, transaction, sign-in, sign-out, status).",
        NotApplicable = "Read-only: the pages query as threadline_auditor like the API above; sign-in and sign-out only set or clear a cookie and write nothing to PostgreSQL.")]
    public const string AdminUi = "/ui/* (admin UI pages)";
}
