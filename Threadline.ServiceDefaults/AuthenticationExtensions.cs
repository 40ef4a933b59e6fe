using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Threadline.Platform;

namespace Microsoft.Extensions.Hosting;

public static class PlatformPolicies
{
    /// <summary>Investigation endpoints: auditors and admins.</summary>
    public const string Auditor = "auditor";
}

public static class AuthenticationExtensions
{
    /// <summary>JWT bearer authentication for the platform's services; every 4xx without a body gets a problem-details body.</summary>
    public static IHostApplicationBuilder AddPlatformAuthentication(this IHostApplicationBuilder builder)
    {
        var secret = builder.Configuration[PlatformConfig.SigningKey]
            ?? throw new InvalidOperationException($"{PlatformConfig.SigningKey} is missing.");
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = PlatformAuth.ValidationParameters(secret);
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PlatformPolicies.Auditor, policy => policy.RequireRole(PlatformAuth.AuditorRole, PlatformAuth.AdminRole));
        return builder;
    }

    public static WebApplication UsePlatformAuthentication(this WebApplication app)
    {
        // Malformed request bodies surface as BadHttpRequestException (thrown in Development): answer with their 4xx, not 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is Microsoft.AspNetCore.Http.BadHttpRequestException bad ? bad.StatusCode : 500,
        });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
