namespace Threadline.Platform.AdminService;

/// <summary>
/// The browser side of the admin service's authentication. Pages under <see cref="PathPrefix"/> read the bearer token
/// from an HttpOnly cookie (set by the UI's login page) when no Authorization header is present; everything else, the
/// JSON API included, accepts the token from the Authorization header only, so a browser's cookie never authenticates an
/// API call.
/// </summary>
public static class PlatformUi
{
    /// <summary>Browser pages live under this path; only there is the token cookie read.</summary>
    public const string PathPrefix = "/ui";

    /// <summary>Where an unauthenticated browser is sent, with <c>returnUrl</c>.</summary>
    public const string LoginPath = "/ui/login";

    /// <summary>Renders an error status (403, 404, ...) of a UI request as a page; <c>{0}</c> is the status code.</summary>
    public const string StatusPathFormat = "/ui/status/{0}";

    /// <summary>The HttpOnly, SameSite=Strict cookie (path <see cref="PathPrefix"/>) holding the pasted bearer token.</summary>
    public const string TokenCookie = "threadline-ui-token";

    public static bool IsUiPath(PathString path) => path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase);
}
