using System.Globalization;
using Threadline.Query;

namespace Threadline.Platform.AdminService;

public sealed record TransactionChangesResponse(AuditTransaction Transaction, IReadOnlyList<AuditChange> Changes);

/// <summary>Investigation API, version 1. Auditors and admins only.</summary>
public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/v1/audit").RequireAuthorization(PlatformPolicies.Auditor);
        audit.MapGet("/transactions/{id}", GetTransactionAsync);
        return app;
    }

    private static async Task<IResult> GetTransactionAsync(string id, AuditReader reader, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var transactionId) || transactionId <= 0)
        {
            return Results.Problem(
                title: "Malformed audit transaction id",
                detail: $"'{Truncate(id)}' is not an audit transaction id; ids are positive integers.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var transaction = await reader.GetTransactionAsync(transactionId, cancellationToken);
        if (transaction is null)
        {
            return Results.Problem(
                title: "Audit transaction not found",
                detail: $"There is no audit transaction {transactionId}.",
                statusCode: StatusCodes.Status404NotFound);
        }

        var changes = await reader.GetChangesAsync(transactionId, cancellationToken);
        return Results.Ok(new TransactionChangesResponse(transaction, changes));
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
