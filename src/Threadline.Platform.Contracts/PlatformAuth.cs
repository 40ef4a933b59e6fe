using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Threadline.Platform;

/// <summary>
/// JWT settings of the reference platform. Tokens are HMAC-signed with a key the AppHost generates; a real
/// deployment replaces this with its identity provider (the services only validate tokens).
/// </summary>
public static class PlatformAuth
{
    public const string Issuer = "threadline-platform";
    public const string Audience = "threadline-platform";
    public const string AuditorRole = "auditor";
    public const string AdminRole = "admin";
    public const string RoleClaim = "role";
    public const string SubjectClaim = "sub";

    public static SymmetricSecurityKey SigningKey(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (bytes.Length < 32)
        {
            throw new InvalidOperationException("The JWT signing key must be at least 32 bytes.");
        }

        return new SymmetricSecurityKey(bytes);
    }

    public static TokenValidationParameters ValidationParameters(string secret) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = SigningKey(secret),
        ValidateIssuerSigningKey = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = SubjectClaim,
        RoleClaimType = RoleClaim,
    };

    /// <summary>Issues a development token for <paramref name="subject"/> with the given roles.</summary>
    public static string IssueToken(string secret, string subject, IEnumerable<string>? roles = null, TimeSpan? lifetime = null, DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        var claims = new List<Claim> { new(SubjectClaim, subject) };
        claims.AddRange((roles ?? []).Select(r => new Claim(RoleClaim, r)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + (lifetime ?? TimeSpan.FromHours(8)),
            SigningCredentials = new SigningCredentials(SigningKey(secret), SecurityAlgorithms.HmacSha256),
        });
    }
}
