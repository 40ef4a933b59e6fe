using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Threadline.AspNetCore.AdminUi.Pages.Ui;

/// <summary>
/// Renders a bodiless error status of a UI request (403 from authorization, 404 from routing) as a page, keeping the
/// status. Re-executed with the original method, so it must answer any method and never demand an antiforgery token.
/// </summary>
[IgnoreAntiforgeryToken]
internal sealed class StatusModel : PageModel
{
    private int _code;

    /// <summary>The status shown; for a method without a handler here (PUT, DELETE, ...), the response's own status.</summary>
    public int Code => _code != 0 ? _code : Response.StatusCode;

    public string? OriginalPath { get; private set; }

    public IActionResult OnGet(int code) => Render(code);

    public IActionResult OnPost(int code) => Render(code);

    private PageResult Render(int code)
    {
        _code = code is >= 400 and <= 599 ? code : StatusCodes.Status404NotFound;
        Response.StatusCode = _code;
        OriginalPath = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath;
        return Page();
    }
}
