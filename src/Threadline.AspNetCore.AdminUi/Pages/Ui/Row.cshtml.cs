using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Threadline.Query;

namespace Threadline.AspNetCore.AdminUi.Pages.Ui;

/// <summary>One row: every recorded change, oldest first, and optionally how it stood at a given time.</summary>
internal sealed class RowModel(AuditReader reader) : PageModel
{
    public string Schema { get; private set; } = "";

    public string Table { get; private set; } = "";

    /// <summary>The key as given (for the form) and, once valid, as compact JSON (for links).</summary>
    public string KeyText { get; private set; } = "";

    public string AtText { get; private set; } = "";

    public string? CanonicalKey { get; private set; }

    /// <summary>Why the request was refused (400), naming the parameter.</summary>
    public string? Error { get; private set; }

    public string? ErrorParameter { get; private set; }

    public AuditPage? History { get; private set; }

    public string? NextCursor { get; private set; }

    public DateTimeOffset? At { get; private set; }

    public RowState? State { get; private set; }

    /// <summary>The change that decided <see cref="State"/> (the last insert/update, the delete or the truncate).</summary>
    public AuditEntry? StateChange { get; private set; }

    /// <summary>The row's fields at <see cref="At"/> when it existed; masked fields are flagged, never unmasked.</summary>
    public IReadOnlyList<FieldDiff> StateFields { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string schema, string table, CancellationToken cancellationToken)
    {
        Schema = schema;
        Table = table;
        KeyText = Request.Query["key"].ToString().Trim();
        AtText = Request.Query["at"].ToString().Trim();
        var cursorText = Request.Query["cursor"].ToString().Trim();
        if (KeyText.Length == 0)
        {
            return Refuse("key", "Give the row's key as a JSON object of its key columns, e.g. {\"id\":42}.");
        }

        AuditQuery query;
        try
        {
            // The timeline's parser checks the schema, table, key and cursor exactly as the API does.
            var pairs = new List<KeyValuePair<string, string?[]>> { new("schema", [schema]), new("table", [table]), new("key", [KeyText]) };
            if (cursorText.Length > 0)
            {
                pairs.Add(new("cursor", [cursorText]));
            }

            query = AuditFilterParser.Parse(pairs);
        }
        catch (AuditQueryException error)
        {
            return Refuse(error.Parameter, error.Message, UiText.Status(error));
        }

        var key = query.Filter.RowKey!;
        CanonicalKey = key.ToJsonString();
        if (AtText.Length > 0)
        {
            if (!UiText.TryParseTime(AtText, out var at))
            {
                return Refuse("at", "'at' must be an ISO 8601 time with an offset, e.g. 2026-11-27T14:00:00Z.");
            }

            At = at;
            State = await reader.GetStateAsOfAsync(schema, table, key, at, cancellationToken);
            if (State.ChangeId is { } changeId)
            {
                StateChange = await reader.GetChangeAsync(changeId, cancellationToken);
            }

            if (State is { State: RowStateKind.Exists, Data: { ValueKind: JsonValueKind.Object } data, ChangeId: { } existsChange })
            {
                // The diff of the deciding change says which fields are masked placeholders.
                var diff = await reader.GetDiffAsync(existsChange, cancellationToken);
                var masked = diff?.Fields.Where(f => f.Masked).Select(f => f.Field).ToHashSet(StringComparer.Ordinal) ?? [];
                StateFields = data.EnumerateObject()
                    .OrderBy(p => p.Name, StringComparer.Ordinal)
                    .Select(p => new FieldDiff(p.Name, null, p.Value.Clone(), false, masked.Contains(p.Name)))
                    .ToArray();
            }
        }

        History = await reader.GetRowHistoryAsync(schema, table, key, query.Cursor, AuditFilterParser.DefaultLimit, cancellationToken);
        NextCursor = History.NextCursor;
        return Page();
    }

    /// <summary>The route values of a link to this row, optionally at a time or from a cursor.</summary>
    public Dictionary<string, string> RowLink(string? at = null, string? cursor = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["schema"] = Schema,
            ["table"] = Table,
            ["key"] = CanonicalKey ?? KeyText,
        };
        if (at is not null)
        {
            values["at"] = at;
        }

        if (cursor is not null)
        {
            values["cursor"] = cursor;
        }

        return values;
    }

    private PageResult Refuse(string parameter, string message, int status = StatusCodes.Status400BadRequest)
    {
        ErrorParameter = parameter;
        Error = message;
        Response.StatusCode = status;
        return Page();
    }
}
