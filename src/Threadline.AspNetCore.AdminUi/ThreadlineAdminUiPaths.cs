using Microsoft.AspNetCore.Http;

namespace Threadline.AspNetCore.AdminUi;

/// <summary>
/// Where the investigation UI lives. Pages under <see cref="PathPrefix"/> read the bearer token from an HttpOnly cookie
/// (set by the login page) when no Authorization header is present; every other path, an API included, accepts the
/// token from the Authorization header only, so a browser's cookie never authenticates an API call.
/// </summary>
public static class ThreadlineAdminUiPaths
{
    /// <summary>Browser pages live under this path; only there is the token cookie read.</summary>
    public const string PathPrefix = "/ui";

    /// <summary>Where an unauthenticated browser is sent, with <c>returnUrl</c>.</summary>
    public const string LoginPath = "/ui/login";

    /// <summary>Renders an error status (403, 404, ...) of a UI request as a page; <c>{0}</c> is the status code.</summary>
    public const string StatusPathFormat = "/ui/status/{0}";

    /// <summary>The HttpOnly, SameSite=Strict cookie (path <see cref="PathPrefix"/>) holding the pasted bearer token.</summary>
    public const string TokenCookie = "threadline-ui-token";

    /// <summary>Whether a request path is one of the UI's (case-insensitive, whole segments).</summary>
    /// <param name="path">The request path.</param>
    /// <returns>True for <see cref="PathPrefix"/> and any path under it.</returns>
    public static bool IsUiPath(PathString path) => path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase);
}
