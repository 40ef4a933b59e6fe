using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Threadline.AspNetCore.Investigation;
using Threadline.Query;

namespace Threadline.AspNetCore;

/// <summary>
/// Investigation API, version 1: timeline, row history and state, drill-down, diff, actor activity, actions and
/// export. Auditors and admins only; every refusal is a problem-details body (400 malformed, 422 invalid, 404).
/// Handlers return typed results and each route declares its problem statuses, so an OpenAPI document lists them all.
/// </summary>
public static class ThreadlineInvestigationExtensions
{
    private static readonly string[] ExportParameters = ["format", "maxRows", "dryRun"];

    /// <summary>
    /// Registers what the investigation API reads with: <see cref="AuditReader"/> and <see cref="AuditExporter"/> over the
    /// application's <c>NpgsqlDataSource</c> (register one that connects as a role that may read the audit tables, such as
    /// <c>threadline_auditor</c>), enums written as strings in JSON, and the options.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Changes the options, for example <see cref="ThreadlineInvestigationOptions.TraceUrl"/>.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddThreadlineInvestigation(this IServiceCollection services, Action<ThreadlineInvestigationOptions>? configure = null)
    {
        services.AddOptions<ThreadlineInvestigationOptions>().Configure(o => configure?.Invoke(o));
        services.TryAddSingleton<AuditReader>();
        services.TryAddSingleton<AuditExporter>();
        services.Configure<JsonOptions>(o =>
        {
            if (!o.SerializerOptions.Converters.Any(c => c is JsonStringEnumConverter))
            {
                o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            }
        });
        return services;
    }

    /// <summary>
    /// Maps the investigation API under <c>/api/v1/audit</c>: timeline, row history and state, drill-down, diff,
    /// actor activity, actions and export, each requiring <paramref name="authorizationPolicy"/>. Needs
    /// <see cref="AddThreadlineInvestigation"/>, authentication and authorization.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="authorizationPolicy">The policy every route requires; grant it to auditors only, the API shows every audited value that is not masked.</param>
    /// <returns>The route group, for more conventions (rate limits, CORS, ...).</returns>
    public static RouteGroupBuilder MapThreadlineInvestigation(this IEndpointRouteBuilder endpoints, string authorizationPolicy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        var audit = endpoints.MapGroup("/api/v1/audit").RequireAuthorization(authorizationPolicy).WithTags("Audit")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        audit.MapGet("/changes", GetChangesAsync).WithSummary("Timeline of changes, filtered and paged with an opaque cursor.");
        audit.MapGet("/changes/{id}", GetChangeAsync).WithSummary("One change with its transaction context.").ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/changes/{id}/diff", GetDiffAsync).WithSummary("One change field by field; masked fields stay masked.").ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/transactions/{id}", GetTransactionAsync).WithSummary("A transaction, its changes and a link to its trace.").ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/rows/{schema}/{table}/history", GetRowHistoryAsync).WithSummary("Every change of one row, oldest first.");
        audit.MapGet("/rows/{schema}/{table}/state", GetRowStateAsync).WithSummary("The row as it stood at a point in time.");
        audit.MapGet("/actors/{type}/{id}/activity", GetActorActivityAsync).WithSummary("What an actor changed in a window, per table and operation.");
        audit.MapGet("/actions/{id}", GetActionAsync).WithSummary("A semantic action and the changes of its transaction.").ProducesProblem(StatusCodes.Status404NotFound);
        // The export streams its body itself, so its 200 is declared here: a stream in one of three formats.
        audit.MapGet("/export", ExportAsync).WithSummary("Streams matching changes as CSV, NDJSON or JSON; dryRun=true counts them.")
            .WithDescription("With dryRun=true the answer is JSON {matchingRows, maxRows, wouldTruncate} and nothing is streamed.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "text/csv", "application/x-ndjson", "application/json");
        return audit;
    }

    private static Task<Results<Ok<ChangesPageResponse>, ProblemHttpResult>> GetChangesAsync(HttpRequest request, AuditReader reader, CancellationToken cancellationToken) =>
        Guarded<ChangesPageResponse>(async () =>
        {
            var query = AuditFilterParser.Parse(Pairs(request));
            return TypedResults.Ok(Page(request, await reader.QueryAsync(query, cancellationToken)));
        });

    private static Task<Results<Ok<AuditEntry>, ProblemHttpResult>> GetChangeAsync(string id, AuditReader reader, CancellationToken cancellationToken) =>
        Guarded(async () => OkOrNotFound(await reader.GetChangeAsync(ParseId(id, "change"), cancellationToken),
            "Audit change not found", $"There is no audit change {id}."));

    private static Task<Results<Ok<ChangeDiff>, ProblemHttpResult>> GetDiffAsync(string id, AuditReader reader, CancellationToken cancellationToken) =>
        Guarded(async () => OkOrNotFound(await reader.GetDiffAsync(ParseId(id, "change"), cancellationToken),
            "Audit change not found", $"There is no audit change {id}."));

    private static Task<Results<Ok<TransactionChangesResponse>, ProblemHttpResult>> GetTransactionAsync(string id, AuditReader reader, IOptions<ThreadlineInvestigationOptions> options, CancellationToken cancellationToken) =>
        Guarded<TransactionChangesResponse>(async () =>
        {
            var transactionId = ParseId(id, "audit transaction");
            var transaction = await reader.GetTransactionAsync(transactionId, cancellationToken);
            if (transaction is null)
            {
                return NotFound("Audit transaction not found", $"There is no audit transaction {transactionId}.");
            }

            var changes = await reader.GetChangesAsync(transactionId, cancellationToken);
            return TypedResults.Ok(new TransactionChangesResponse(transaction, changes, TraceUrl(options.Value, transaction.TraceId)));
        });

    private static Task<Results<Ok<ChangesPageResponse>, ProblemHttpResult>> GetRowHistoryAsync(string schema, string table, HttpRequest request, AuditReader reader, CancellationToken cancellationToken) =>
        Guarded<ChangesPageResponse>(async () =>
        {
            var query = AuditFilterParser.Parse(Only(request, "key", "cursor", "limit").Append(KeyValuePair.Create("schema", new string?[] { schema })).Append(KeyValuePair.Create("table", new string?[] { table })));
            var key = query.Filter.RowKey ?? throw new AuditQueryException(AuditQueryError.Malformed, "key", "'key' is required: the row's key as JSON, e.g. {\"id\":42}.");
            return TypedResults.Ok(Page(request, await reader.GetRowHistoryAsync(schema, table, key, query.Cursor, query.Limit, cancellationToken)));
        });

    private static Task<Results<Ok<RowState>, ProblemHttpResult>> GetRowStateAsync(string schema, string table, HttpRequest request, AuditReader reader, CancellationToken cancellationToken) =>
        Guarded<RowState>(async () =>
        {
            var query = AuditFilterParser.Parse(Rename(Only(request, "key", "at"), "at", "to").Append(KeyValuePair.Create("table", new string?[] { table })).Append(KeyValuePair.Create("schema", new string?[] { schema })));
            var key = query.Filter.RowKey ?? throw new AuditQueryException(AuditQueryError.Malformed, "key", "'key' is required: the row's key as JSON, e.g. {\"id\":42}.");
            var at = query.Filter.To ?? throw new AuditQueryException(AuditQueryError.Malformed, "at", "'at' is required: an ISO 8601 time with an offset.");
            return TypedResults.Ok(await reader.GetStateAsOfAsync(schema, table, key, at, cancellationToken));
        });

    private static Task<Results<Ok<IReadOnlyList<ActorActivity>>, ProblemHttpResult>> GetActorActivityAsync(string type, string id, HttpRequest request, AuditReader reader, CancellationToken cancellationToken) =>
        Guarded<IReadOnlyList<ActorActivity>>(async () =>
        {
            var query = AuditFilterParser.Parse(Only(request, "from", "to")
                .Append(KeyValuePair.Create("actorType", new string?[] { type })).Append(KeyValuePair.Create("actorId", new string?[] { id })));
            return TypedResults.Ok(await reader.GetActorActivityAsync(type, id, query.Filter.From, query.Filter.To, cancellationToken));
        });

    private static Task<Results<Ok<ActionResponse>, ProblemHttpResult>> GetActionAsync(string id, HttpRequest request, AuditReader reader, CancellationToken cancellationToken) =>
        Guarded<ActionResponse>(async () =>
        {
            var actionId = ParseId(id, "action");
            var query = AuditFilterParser.Parse(Only(request, "cursor", "limit", "order"));
            if (await reader.GetActionAsync(actionId, cancellationToken) is not { } action)
            {
                return NotFound("Action not found", $"There is no action {actionId}.");
            }

            var changes = await reader.QueryAsync(new AuditFilter { ActionId = actionId }, query.Cursor, query.Limit, query.Order, cancellationToken);
            return TypedResults.Ok(new ActionResponse(action, Page(request, changes)));
        });

    private static async Task<Results<JsonHttpResult<ExportDryRunResponse>, EmptyHttpResult, ProblemHttpResult>> ExportAsync(HttpContext context, AuditReader reader, AuditExporter exporter, CancellationToken cancellationToken)
    {
        AuditQuery query;
        AuditExportFormat format;
        int maxRows;
        bool dryRun;
        try
        {
            query = AuditFilterParser.Parse(Pairs(context.Request), ExportParameters);
            if (query.Cursor is not null || context.Request.Query.ContainsKey("limit") || context.Request.Query.ContainsKey("order"))
            {
                throw new AuditQueryException(AuditQueryError.Malformed, "cursor", "An export streams every match oldest first; use maxRows, not cursor, limit or order.");
            }

            format = query.Extras.GetValueOrDefault("format", "ndjson") switch
            {
                "csv" => AuditExportFormat.Csv,
                "ndjson" => AuditExportFormat.Ndjson,
                "json" => AuditExportFormat.Json,
                var other => throw new AuditQueryException(AuditQueryError.Malformed, "format", $"'format' is csv, ndjson or json, not '{Truncate(other)}'."),
            };
            maxRows = query.Extras.TryGetValue("maxRows", out var max)
                ? int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m is >= 1 and <= AuditExporter.MaxRowsLimit
                    ? m
                    : throw new AuditQueryException(AuditQueryError.Malformed, "maxRows", $"'maxRows' must be a whole number from 1 to {AuditExporter.MaxRowsLimit}.")
                : 100_000;
            dryRun = query.Extras.GetValueOrDefault("dryRun", "false") switch
            {
                "true" => true,
                "false" => false,
                _ => throw new AuditQueryException(AuditQueryError.Malformed, "dryRun", "'dryRun' is true or false."),
            };
        }
        catch (AuditQueryException ex)
        {
            return Problem(ex);
        }

        if (dryRun)
        {
            var count = await reader.CountAsync(query.Filter, cancellationToken);
            return TypedResults.Json(new ExportDryRunResponse(count, maxRows, count > maxRows));
        }

        var response = context.Response;
        var extension = format.ToString().ToLowerInvariant();
        await exporter.ExportAsync(query.Filter, format, response.Body, maxRows, truncated =>
        {
            response.ContentType = AuditExporter.ContentType(format);
            response.Headers.ContentDisposition = $"attachment; filename=\"threadline-audit-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}.{extension}\"";
            response.Headers["Threadline-Export-Truncated"] = truncated ? "true" : "false";
            response.Headers["Threadline-Export-Max-Rows"] = maxRows.ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }, cancellationToken);
        return TypedResults.Empty;
    }

    private static async Task<Results<Ok<T>, ProblemHttpResult>> Guarded<T>(Func<Task<Results<Ok<T>, ProblemHttpResult>>> handler)
    {
        try
        {
            return await handler();
        }
        catch (AuditQueryException ex)
        {
            return Problem(ex);
        }
    }

    private static Results<Ok<T>, ProblemHttpResult> OkOrNotFound<T>(T? value, string title, string detail)
        where T : class =>
        value is null ? NotFound(title, detail) : TypedResults.Ok(value);

    private static ProblemHttpResult Problem(AuditQueryException ex) => TypedResults.Problem(
        title: ex.Error == AuditQueryError.Malformed ? "Malformed query" : "Invalid query",
        detail: ex.Message,
        statusCode: ex.Error == AuditQueryError.Malformed ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity,
        extensions: new Dictionary<string, object?> { ["parameter"] = ex.Parameter });

    private static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status404NotFound);

    private static long ParseId(string id, string what) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new AuditQueryException(AuditQueryError.Malformed, "id", $"'{Truncate(id)}' is not an {what} id; ids are positive integers.");

    private static IEnumerable<KeyValuePair<string, string?[]>> Pairs(HttpRequest request) =>
        request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToArray()));

    /// <summary>The query pairs, refusing any parameter outside <paramref name="allowed"/> for this route.</summary>
    private static IEnumerable<KeyValuePair<string, string?[]>> Only(HttpRequest request, params string[] allowed)
    {
        var unknown = request.Query.Keys.FirstOrDefault(k => !allowed.Contains(k));
        return unknown is null
            ? Pairs(request).ToArray()
            : throw new AuditQueryException(AuditQueryError.Malformed, unknown, $"Unknown parameter '{Truncate(unknown)}' for this route. Known: {string.Join(", ", allowed)}.");
    }

    private static IEnumerable<KeyValuePair<string, string?[]>> Rename(IEnumerable<KeyValuePair<string, string?[]>> pairs, string from, string to) =>
        pairs.Select(p => p.Key == from ? KeyValuePair.Create(to, p.Value) : p);

    private static ChangesPageResponse Page(HttpRequest request, AuditPage page)
    {
        string? next = null;
        if (page.NextCursor is not null)
        {
            var query = request.Query.ToDictionary(q => q.Key, q => q.Value);
            query["cursor"] = new StringValues(page.NextCursor);
            next = request.PathBase + request.Path + QueryString.Create(query);
        }

        return new ChangesPageResponse(page.Items, page.NextCursor, new PageLinks(next));
    }

    private static string? TraceUrl(ThreadlineInvestigationOptions options, string? traceId) =>
        string.IsNullOrEmpty(traceId) ? null : options.TraceUrl?.Invoke(traceId);

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
