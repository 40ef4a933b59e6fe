using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Threadline.AspNetCore.AdminUi.Pages.Ui;

/// <summary>Signing out forgets the token cookie; it is a POST with an antiforgery token, so no other site can do it.</summary>
internal sealed class LogoutModel : PageModel
{
    public IActionResult OnPost()
    {
        Response.Cookies.Delete(ThreadlineAdminUiPaths.TokenCookie, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = Request.IsHttps,
            Path = Request.PathBase.Add(ThreadlineAdminUiPaths.PathPrefix).Value,
        });
        return LocalRedirect(Request.PathBase.Add(ThreadlineAdminUiPaths.LoginPath).Value + "?signedOut=true");
    }
}
