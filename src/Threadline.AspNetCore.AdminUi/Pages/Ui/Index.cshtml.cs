using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Threadline.Query;

namespace Threadline.AspNetCore.AdminUi.Pages.Ui;

/// <summary>The timeline: changes matching the filter, newest first, a page at a time.</summary>
internal sealed class IndexModel(AuditReader reader) : PageModel
{
    /// <summary>Filters the form shows as inputs; any other parameter in the URL is carried along as a hidden input.</summary>
    public static IReadOnlyList<string> FormParameters { get; } =
        ["schema", "table", "key", "actorType", "actorId", "op", "from", "to", "correlationId", "requestId", "jobId", "traceId"];

    public static IReadOnlyList<string> Operations { get; } = ["insert", "update", "delete", "truncate"];

    public static IReadOnlyList<string> ActorTypes { get; } = ["user", "admin", "service_account", "job", "system", "anonymous"];

    /// <summary>The request's parameters with empty form fields dropped and repeated <c>op</c> checkboxes joined.</summary>
    public IReadOnlyDictionary<string, string> Values { get; private set; } = new Dictionary<string, string>();

    public AuditPage? Results { get; private set; }

    public AuditQueryException? Error { get; private set; }

    /// <summary>The route values of the next page's link (the same filter, the cursor of the last row).</summary>
    public IDictionary<string, string>? NextPage { get; private set; }

    public string Value(string name) => Values.TryGetValue(name, out var value) ? value : "";

    public bool HasOp(string op) => Values.TryGetValue("op", out var ops) && ops.Split(',', StringSplitOptions.TrimEntries).Contains(op);

    public bool IsError(string name) => Error?.Parameter == name;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var pairs = new List<KeyValuePair<string, string?[]>>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var normalized = true;
        foreach (var (name, raw) in Request.Query)
        {
            // An empty form field means "no filter"; the parser would refuse it as an empty value.
            var given = raw.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToArray();
            normalized &= given.Length == raw.Count && Enumerable.SequenceEqual<string?>(given, raw);
            if (given.Length == 0)
            {
                continue;
            }

            // The form sends one 'op' per ticked box; the parser takes one comma-separated list.
            string?[] merged = name == "op" && given.Length > 1 ? [string.Join(",", given)] : given;
            normalized &= merged.Length == given.Length;
            pairs.Add(new(name, merged));
            values[name] = string.Join(",", merged);
        }

        if (!normalized && values.Count == pairs.Sum(p => p.Value.Length))
        {
            // A submitted form: answer with the short URL of the same filter, fit to bookmark and share.
            return LocalRedirect(Request.PathBase + Request.Path + QueryString.Create(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))));
        }

        Values = values;
        try
        {
            var query = AuditFilterParser.Parse(pairs);
            Results = await reader.QueryAsync(query, cancellationToken);
        }
        catch (AuditQueryException error)
        {
            Error = error;
            Response.StatusCode = UiText.Status(error);
            return Page();
        }

        if (Results.NextCursor is { } cursor)
        {
            NextPage = values.Where(v => v.Key != "cursor").ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
            NextPage["cursor"] = cursor;
        }

        return Page();
    }
}
