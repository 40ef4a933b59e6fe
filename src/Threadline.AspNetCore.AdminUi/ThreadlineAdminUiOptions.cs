using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Threadline.AspNetCore.AdminUi;

/// <summary>Options of the investigation UI (<c>AddThreadlineAdminUi</c>).</summary>
public sealed class ThreadlineAdminUiOptions
{
    /// <summary>The authorization policy every page but sign-in, sign-out and error pages requires.</summary>
    public string AuthorizationPolicy { get; set; } = "";

    /// <summary>
    /// The JWT bearer scheme that authenticates the pages: the login page validates a pasted token with this scheme's
    /// options, and the scheme reads the token from the UI's cookie under /ui. Default <c>Bearer</c>.
    /// </summary>
    public string AuthenticationScheme { get; set; } = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Builds a link to a transaction's trace from its W3C trace id; null for no link. Without it, no trace link is shown.</summary>
    public Func<string, string?>? TraceUrl { get; set; }

    /// <summary>One or two plain-text sentences on the login page saying where a person gets a token; none by default.</summary>
    public string? LoginHint { get; set; }
}
