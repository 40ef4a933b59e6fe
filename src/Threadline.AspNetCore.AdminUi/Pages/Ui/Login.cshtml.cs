using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Threadline.AspNetCore.AdminUi.Pages.Ui;

/// <summary>
/// A person pastes a bearer token; once it validates (with the options of the UI's bearer scheme) it is kept in an
/// HttpOnly, SameSite=Strict cookie scoped to /ui, which the bearer scheme reads for /ui paths only.
/// </summary>
/// <param name="options">The UI's options: which bearer scheme, which login hint.</param>
/// <param name="bearerOptions">The bearer schemes' options, to validate a token as the scheme would.</param>
internal sealed class LoginModel(IOptions<ThreadlineAdminUiOptions> options, IOptionsMonitor<JwtBearerOptions> bearerOptions) : PageModel
{
    private const int MaxTokenLength = 8192;

    /// <summary>The pasted token.</summary>
    [BindProperty]
    public string? Token { get; set; }

    /// <summary>Where to go once signed in: a UI page of this site, or the timeline.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Why the pasted token was refused.</summary>
    public string? Error { get; private set; }

    /// <summary>A notice: signed out, or the saved token no longer valid.</summary>
    public string? Notice { get; private set; }

    /// <summary>Where a person gets a token (<see cref="ThreadlineAdminUiOptions.LoginHint"/>).</summary>
    public string? Hint => options.Value.LoginHint;

    /// <summary>Shows the form.</summary>
    /// <param name="signedOut">True right after signing out.</param>
    public void OnGet(bool signedOut = false)
    {
        if (signedOut)
        {
            Notice = "You are signed out.";
        }
        else if (Request.Cookies.ContainsKey(ThreadlineAdminUiPaths.TokenCookie) && User.Identity?.IsAuthenticated != true)
        {
            Notice = "Your saved token is no longer valid (it may have expired). Paste a new one.";
        }
    }

    /// <summary>Validates the pasted token and keeps it in the cookie, or shows why it was refused.</summary>
    /// <returns>A redirect back where the person came from, or the form with the reason (400).</returns>
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

        var result = await ValidateAsync(token);
        if (!result.IsValid)
        {
            return Refuse(result.Exception switch
            {
                SecurityTokenExpiredException => "The token has expired. Issue a new one.",
                SecurityTokenNotYetValidException => "The token is not valid yet. Check the clock of the machine that issued it.",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException =>
                    "The token was not signed by this platform's key.",
                SecurityTokenMalformedException or ArgumentException =>
                    "That is not a token: paste the whole JWT (three parts separated by dots).",
                SecurityTokenInvalidIssuerException or SecurityTokenInvalidAudienceException =>
                    "The token was issued for another platform.",
                _ => "The token was refused.",
            });
        }

        Response.Cookies.Append(ThreadlineAdminUiPaths.TokenCookie, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = Request.IsHttps,
            Path = Request.PathBase.Add(ThreadlineAdminUiPaths.PathPrefix).Value,
            Expires = result.SecurityToken.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero),
            IsEssential = true,
        });
        return LocalRedirect(SafeReturnUrl());
    }

    /// <summary>The token checked as the bearer scheme checks it: its validation parameters, its signing keys and issuer from metadata, its handlers.</summary>
    private async Task<TokenValidationResult> ValidateAsync(string token)
    {
        var bearer = bearerOptions.Get(options.Value.AuthenticationScheme);
        var parameters = bearer.TokenValidationParameters.Clone();
        if (bearer.ConfigurationManager is { } manager)
        {
            var metadata = await manager.GetConfigurationAsync(HttpContext.RequestAborted);
            parameters.ValidIssuers = [.. parameters.ValidIssuers ?? [], metadata.Issuer];
            parameters.IssuerSigningKeys = [.. parameters.IssuerSigningKeys ?? [], .. metadata.SigningKeys];
        }

        TokenHandler[] handlers = bearer.TokenHandlers.Count > 0 ? [.. bearer.TokenHandlers] : [new JsonWebTokenHandler()];
        TokenValidationResult? result = null;
        foreach (var handler in handlers)
        {
            result = await handler.ValidateTokenAsync(token, parameters);
            if (result.IsValid)
            {
                break;
            }
        }

        return result!;
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
        var home = Request.PathBase.Add(ThreadlineAdminUiPaths.PathPrefix).Value!;
        var url = ReturnUrl;
        if (string.IsNullOrEmpty(url) || !Url.IsLocalUrl(url) || url.StartsWith("~", StringComparison.Ordinal))
        {
            return home;
        }

        // The cookie's path is case-sensitive in browsers: return to the canonical lower-case prefix.
        var path = new PathString(url.Split('?', '#')[0]);
        if (!path.StartsWithSegments(home, StringComparison.OrdinalIgnoreCase, out var rest)
            || path.StartsWithSegments(Request.PathBase.Add(ThreadlineAdminUiPaths.LoginPath), StringComparison.OrdinalIgnoreCase))
        {
            return home;
        }

        return home + rest.Value + url[path.Value!.Length..];
    }
}
