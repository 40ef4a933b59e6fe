using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Threadline.Platform.AdminService.Pages.Ui;

/// <summary>
/// A person pastes a platform token; once it validates (same parameters as the bearer handler) it is kept in an
/// HttpOnly, SameSite=Strict cookie scoped to /ui, which the bearer handler reads for /ui paths only.
/// </summary>
public sealed class LoginModel(IConfiguration configuration) : PageModel
{
    private const int MaxTokenLength = 8192;

    [BindProperty]
    public string? Token { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public string? Notice { get; private set; }

    public void OnGet(bool signedOut = false)
    {
        if (signedOut)
        {
            Notice = "You are signed out.";
        }
        else if (Request.Cookies.ContainsKey(PlatformUi.TokenCookie) && User.Identity?.IsAuthenticated != true)
        {
            Notice = "Your saved token is no longer valid (it may have expired). Paste a new one.";
        }
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var token = Token?.Trim() ?? "";
        if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = token["Bearer ".Length..].Trim();
        }

        if (token.Length == 0)
        {
            return Refuse("Paste a token first.");
        }

        if (token.Length > MaxTokenLength)
        {
            return Refuse("That is far too long for a platform token.");
        }

        var secret = configuration[PlatformConfig.SigningKey]
            ?? throw new InvalidOperationException($"{PlatformConfig.SigningKey} is missing.");
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, PlatformAuth.ValidationParameters(secret));
        if (!result.IsValid)
        {
            return Refuse(result.Exception switch
            {
                SecurityTokenExpiredException => "The token has expired. Issue a new one.",
                SecurityTokenNotYetValidException => "The token is not valid yet. Check the clock of the machine that issued it.",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException =>
                    "The token was not signed by this platform's key. Issue one from this platform's dashboard.",
                SecurityTokenMalformedException or ArgumentException =>
                    "That is not a token: paste the whole JWT (three parts separated by dots).",
                SecurityTokenInvalidIssuerException or SecurityTokenInvalidAudienceException =>
                    "The token was issued for another platform.",
                _ => "The token was refused.",
            });
        }

        Response.Cookies.Append(PlatformUi.TokenCookie, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = Request.IsHttps,
            Path = Request.PathBase.Add(PlatformUi.PathPrefix).Value,
            Expires = result.SecurityToken.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero),
            IsEssential = true,
        });
        return LocalRedirect(SafeReturnUrl());
    }

    private PageResult Refuse(string message)
    {
        Error = message;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>Back where the person was sent from, if that is a UI page of this site; otherwise the timeline.</summary>
    private string SafeReturnUrl()
    {
        var home = Request.PathBase.Add(PlatformUi.PathPrefix).Value!;
        var url = ReturnUrl;
        if (string.IsNullOrEmpty(url) || !Url.IsLocalUrl(url) || url.StartsWith("~", StringComparison.Ordinal))
        {
            return home;
        }

        // The cookie's path is case-sensitive in browsers: return to the canonical lower-case prefix.
        var path = new PathString(url.Split('?', '#')[0]);
        if (!path.StartsWithSegments(home, StringComparison.OrdinalIgnoreCase, out var rest)
            || path.StartsWithSegments(Request.PathBase.Add(PlatformUi.LoginPath), StringComparison.OrdinalIgnoreCase))
        {
            return home;
        }

        return home + rest.Value + url[path.Value!.Length..];
    }
}
