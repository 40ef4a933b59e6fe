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
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
