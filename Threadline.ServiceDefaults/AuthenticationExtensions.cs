using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

public static class AuthenticationExtensions
{
    /// <summary>
    /// JWT bearer authentication (the default scheme) and authorization, validated with the parameters built from the
    /// secret in configuration key <paramref name="signingKeySetting"/>. Tokens come from the Authorization header; a
    /// service that reads them from elsewhere configures <see cref="JwtBearerOptions"/> itself.
    /// </summary>
    public static AuthenticationBuilder AddJwtBearerAuthentication(this IHostApplicationBuilder builder, string signingKeySetting,
        Func<string, TokenValidationParameters> validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        var secret = builder.Configuration[signingKeySetting]
            ?? throw new InvalidOperationException($"{signingKeySetting} is missing.");
        var parameters = validationParameters(secret);
        builder.Services.AddAuthorization();
        return builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = parameters;
            });
    }
}
