using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Threadline.Query;

namespace Threadline.AspNetCore.AdminUi.Pages.Ui;

/// <summary>One audited transaction: who, in which request, job and trace, and each change field by field.</summary>
/// <param name="reader">Reads the audit trail.</param>
/// <param name="options">The UI's options, for the trace link.</param>
internal sealed class TransactionModel(AuditReader reader, IOptions<ThreadlineAdminUiOptions> options) : PageModel
{
    /// <summary>Diffs shown on one page; the timeline filtered by transaction lists every change.</summary>
    public const int MaxDiffs = 100;

    public long Id { get; private set; }

    /// <summary>Set when the id in the URL is not an audit transaction id (400).</summary>
    public string? Malformed { get; private set; }

    public AuditTransaction? Transaction { get; private set; }

    public IReadOnlyList<ChangeDiff> Diffs { get; private set; } = [];

    public int ChangeCount { get; private set; }

    /// <summary>The dashboard's page for the transaction's trace, when both are known.</summary>
    public string? TraceUrl { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var transactionId) || transactionId <= 0)
        {
            Malformed = id.Length <= 40 ? id : id[..40] + "…";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Id = transactionId;
        Transaction = await reader.GetTransactionAsync(transactionId, cancellationToken);
        if (Transaction is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        var changes = await reader.GetChangesAsync(transactionId, cancellationToken);
        ChangeCount = changes.Count;
        var diffs = new List<ChangeDiff>();
        foreach (var change in changes.Take(MaxDiffs))
        {
            if (await reader.GetDiffAsync(change.Id, cancellationToken) is { } diff)
            {
                diffs.Add(diff);
            }
        }

        Diffs = diffs;
        TraceUrl = string.IsNullOrWhiteSpace(Transaction.TraceId) ? null : options.Value.TraceUrl?.Invoke(Transaction.TraceId);
        return Page();
    }
}
