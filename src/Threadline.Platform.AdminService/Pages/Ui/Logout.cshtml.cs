using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Threadline.Platform.AdminService.Pages.Ui;

/// <summary>Signing out forgets the token cookie; it is a POST with an antiforgery token, so no other site can do it.</summary>
public sealed class LogoutModel : PageModel
{
    public IActionResult OnPost()
    {
        Response.Cookies.Delete(PlatformUi.TokenCookie, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = Request.IsHttps,
            Path = Request.PathBase.Add(PlatformUi.PathPrefix).Value,
        });
        return LocalRedirect(Request.PathBase.Add(PlatformUi.LoginPath).Value + "?signedOut=true");
    }
}
