using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threadline.EntityFrameworkCore;
using Threadline.Platform.Outbox;
using Threadline.Platform.Posts;

namespace Threadline.Platform.PostsApi;

public sealed record PostRequest(string? Title, string? Body);

public sealed record PostResponse(long Id, string Title, string Body, int? WordCount, long? AuditTransactionId);

/// <summary>
/// The audited HTTP paths: create, update and delete posts through PgBouncer, attributed to the token's subject.
/// Handlers return typed results and each route declares its problem statuses, so /openapi/v1.json lists them all.
/// </summary>
public static class PostsEndpoints
{
    public const string AuditTransactionHeader = "Threadline-Audit-Transaction-Id";
    private const int MaxTitleLength = 200;
    private const int MaxBodyLength = 20_000;

    /// <summary>PostgreSQL text cannot hold U+0000: refused here as invalid input rather than failing in the database.</summary>
    private const string NulRefused = "The text cannot contain the NUL character (U+0000).";

    public static IEndpointRouteBuilder MapPostsEndpoints(this IEndpointRouteBuilder app)
    {
        var posts = app.MapGroup("/posts").RequireAuthorization().WithTags("Posts")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        posts.MapPost("/", CreateAsync).RequireRateLimiting(WriteBackpressure.Policy).WithSummary("Creates a post, audited as the token's subject.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        posts.MapPut("/{id:long}", UpdateAsync).RequireRateLimiting(WriteBackpressure.Policy).WithSummary("Replaces a post's title and body, audited.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        posts.MapDelete("/{id:long}", DeleteAsync).RequireRateLimiting(WriteBackpressure.Policy).WithSummary("Deletes a post, audited.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        posts.MapGet("/{id:long}", GetAsync).WithSummary("Reads a post.").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<PostResponse>, ProblemHttpResult>> CreateAsync(PostRequest request, PostsDbContext db, IAuditContextAccessor audit, IOutboxWake outbox, FaultInjection faults, HttpContext http, CancellationToken cancellationToken)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        var post = new Post { Title = request.Title!, Body = request.Body ?? "" };
        var auditTransactionId = await InAuditedTransactionAsync(db, PostActions.Create, async () =>
        {
            db.Posts.Add(post);
            await db.SaveChangesAsync(cancellationToken);
            db.EnqueueOutboxMessage(new PostChanged(post.Id), audit.Current);
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, cancellationToken);

        faults.AfterCommit(http);
        outbox.Wake();
        http.Response.Headers[AuditTransactionHeader] = auditTransactionId?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Created($"/posts/{post.Id}", ToResponse(post, auditTransactionId));
    }

    private static async Task<Results<Ok<PostResponse>, ProblemHttpResult>> UpdateAsync(long id, PostRequest request, PostsDbContext db, IAuditContextAccessor audit, IOutboxWake outbox, FaultInjection faults, HttpContext http, CancellationToken cancellationToken)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        Post? post = null;
        long? auditTransactionId;
        try
        {
            auditTransactionId = await InAuditedTransactionAsync(db, PostActions.Update, async () =>
            {
                post = await db.Posts.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
                if (post is null)
                {
                    return false;
                }

                post.Title = request.Title!;
                post.Body = request.Body ?? "";
                db.EnqueueOutboxMessage(new PostChanged(post.Id), audit.Current);
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }, cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Deleted by a concurrent request between the read and the write: the transaction rolled back, nothing changed.
            return NotFound(id);
        }

        if (post is null)
        {
            return NotFound(id);
        }

        faults.AfterCommit(http);
        outbox.Wake();
        http.Response.Headers[AuditTransactionHeader] = auditTransactionId?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Ok(ToResponse(post, auditTransactionId));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, PostsDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var auditTransactionId = await InAuditedTransactionAsync(db, PostActions.Delete, async () =>
        {
            deleted = await db.Posts.Where(p => p.Id == id).ExecuteDeleteAsync(cancellationToken);
            return deleted > 0;
        }, cancellationToken);

        if (deleted == 0)
        {
            return NotFound(id);
        }

        http.Response.Headers[AuditTransactionHeader] = auditTransactionId?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<PostResponse>, ProblemHttpResult>> GetAsync(long id, PostsDbContext db, CancellationToken cancellationToken)
    {
        var post = await db.Posts.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        return post is null ? NotFound(id) : TypedResults.Ok(ToResponse(post, null));
    }

    /// <summary>
    /// Runs the writes in one transaction with the semantic action they stand for, and returns the audit transaction
    /// id they produced (null when nothing was written, in which case no action is recorded either). The writes say
    /// whether they wrote; the action's statement returns the audit transaction id with it, and the audit span at the
    /// commit reuses that summary: context, writes, action, commit, and no read of the id on its own (issue 26; the
    /// dashboard test counts the round trips).
    /// </summary>
    private static async Task<long?> InAuditedTransactionAsync(PostsDbContext db, string action, Func<Task<bool>> writes, CancellationToken cancellationToken)
    {
        // Any failure rolls the whole transaction back, so EF's savepoint around each SaveChanges (SAVEPOINT and RELEASE,
        // two round trips per SaveChanges) would protect nothing.
        db.Database.AutoSavepointsEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        long? auditTransactionId = null;
        if (await writes())
        {
            auditTransactionId = (await db.Database.RecordThreadlineActionWithSummaryAsync(action, cancellationToken: cancellationToken)).TransactionId;
        }

        await transaction.CommitAsync(cancellationToken);
        return auditTransactionId;
    }

    private static ProblemHttpResult? Validate(PostRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            return TypedResults.Problem(title: "A JSON body is required.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (string.IsNullOrWhiteSpace(request.Title))
        {
            errors["title"] = ["The title is required."];
        }
        else if (request.Title.Length > MaxTitleLength)
        {
            errors["title"] = [$"The title is at most {MaxTitleLength} characters."];
        }
        else if (request.Title.Contains('\0', StringComparison.Ordinal))
        {
            errors["title"] = [NulRefused];
        }

        if (request.Body is { Length: > MaxBodyLength })
        {
            errors["body"] = [$"The body is at most {MaxBodyLength} characters."];
        }
        else if (request.Body?.Contains('\0', StringComparison.Ordinal) == true)
        {
            errors["body"] = [NulRefused];
        }

        return errors.Count == 0 ? null : TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status422UnprocessableEntity });
    }

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem(title: "Post not found", detail: $"There is no post {id}.", statusCode: StatusCodes.Status404NotFound);

    private static PostResponse ToResponse(Post post, long? auditTransactionId) =>
        new(post.Id, post.Title, post.Body, post.WordCount, auditTransactionId);
}
