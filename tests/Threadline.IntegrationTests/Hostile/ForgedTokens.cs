using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Hostile;

/// <summary>What a credential really grants, as the platform's rules say it should.</summary>
public enum Grant
{
    /// <summary>Not authenticated: every protected route answers 401 (or the UI's login redirect).</summary>
    None,

    /// <summary>A valid platform token without the auditor or admin role: posts yes, audit data no (403).</summary>
    Authenticated,

    /// <summary>A valid token with the auditor or admin role.</summary>
    Auditor,
}

/// <summary>An Authorization header value (or UI cookie value) and what it must grant.</summary>
public sealed record Credential(string Name, string? Value, Grant Grant, bool Raw = false)
{
    /// <summary>What the same value grants as the UI's token cookie (the cookie holds a bare token, no scheme).</summary>
    public Grant? CookieGrant { get; init; }

    /// <summary>The value as a UI cookie: the token without its scheme.</summary>
    public string? CookieValue => Value is null ? null
        : Value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? Value["Bearer ".Length..] : Value;

    public Grant GrantAsCookie => CookieGrant ?? (Value is not null && Value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? Grant : Grant.None);

    public override string ToString() => Name;
}

/// <summary>
/// Hand-built JWTs: header and payload JSON are written verbatim, so claims can have any JSON type and the header any
/// algorithm, and the HMAC is computed the way the platform does (HS256 over the UTF-8 signing key).
/// </summary>
public static class ForgedTokens
{
    public static string Sign(string headerJson, string payloadJson, byte[] key)
    {
        var signingInput = B64(headerJson) + "." + B64(payloadJson);
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    public static string Unsigned(string headerJson, string payloadJson, string signature = "") =>
        B64(headerJson) + "." + B64(payloadJson) + "." + signature;

    /// <summary>The subject of every token that must be refused: no audit row may ever name it.</summary>
    public static string ForgedSubject(string runId) => $"forged-{runId}";

    public static string B64(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// Every credential variant the fuzzer tries, each with the grant the platform must give it. <paramref name="runId"/>
    /// goes into every subject so the test can prove afterwards that no forged identity ever wrote an audit row.
    /// </summary>
    public static IReadOnlyList<Credential> All(string signingKey, string runId)
    {
        var key = Encoding.UTF8.GetBytes(signingKey);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const string hs256 = """{"alg":"HS256","typ":"JWT"}""";
        string Payload(string subject, string? roleJson, long? iat = null, long? nbf = null, long? exp = null, string iss = PlatformAuth.Issuer, string aud = PlatformAuth.Audience, string extra = "")
        {
            var role = roleJson is null ? "" : $",\"role\":{roleJson}";
            var expiry = exp is null ? "" : $",\"exp\":{exp}";
            return $"{{\"sub\":\"{subject}\",\"iss\":\"{iss}\",\"aud\":\"{aud}\",\"iat\":{iat ?? now},\"nbf\":{nbf ?? now - 5}{expiry}{role}{extra}}}";
        }

        string Good(string subject, string? roleJson, string extra = "") => Sign(hs256, Payload(subject, roleJson, exp: now + 3600, extra: extra), key);

        // Subjects of tokens that must never authenticate, and of validly signed tokens that try to climb roles.
        var forger = ForgedSubject(runId);
        var escalator = $"escalate-{runId}";
        var auditorPayload = Payload(forger, "\"auditor\"", exp: now + 3600);
        var otherKey = Encoding.UTF8.GetBytes("another-platform-signing-key-0123456789-abcdef");
        var valid = Good($"writer-{runId}", null);
        var validParts = valid.Split('.');
        var auditor = Good($"auditor-{runId}", "\"auditor\"");
        var auditorParts = auditor.Split('.');

        return
        [
            // Positive controls: the grants the platform really gives.
            new("valid writer (no role)", "Bearer " + valid, Grant.Authenticated),
            new("valid auditor", "Bearer " + auditor, Grant.Auditor),
            new("valid admin", "Bearer " + Good($"admin-{runId}", "\"admin\""), Grant.Auditor),
            new("role array with auditor", "Bearer " + Good($"multi-{runId}", "[\"writer\",\"auditor\"]"), Grant.Auditor),
            new("lower-case bearer scheme", "bearer " + auditor, Grant.Auditor),

            // No or unusable credentials.
            new("no Authorization header", null, Grant.None),
            new("empty bearer", "Bearer ", Grant.None),
            new("scheme only", "Bearer", Grant.None),
            new("basic scheme", "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("auditor:auditor")), Grant.None),
            new("token without scheme", auditor, Grant.None) { CookieGrant = Grant.Auditor },
            new("garbage", "Bearer not-a-token", Grant.None),
            new("three empty parts", "Bearer ..", Grant.None),
            new("garbage three parts", "Bearer aaaa.bbbb.cccc", Grant.None),
            new("non-base64 parts", "Bearer !!!.@@@.###", Grant.None),
            new("json header only", "Bearer " + B64("{\"alg\":\"HS256\"}"), Grant.None),
            new("20 KB token", "Bearer " + new string('A', 20_000) + ".e30.x", Grant.None),
            new("unicode token", "Bearer " + "ü€😀.ü€😀.ü€😀", Grant.None, Raw: true),
            new("two tokens", "Bearer " + auditor + " " + valid, Grant.None),

            // Forged signatures and algorithms.
            new("wrong key", "Bearer " + Sign(hs256, auditorPayload, otherKey), Grant.None),
            new("signature of another token", "Bearer " + auditorParts[0] + "." + auditorParts[1] + "." + validParts[2], Grant.None),
            new("payload swapped under a valid signature", "Bearer " + validParts[0] + "." + B64(auditorPayload) + "." + validParts[2], Grant.None),
            new("signature stripped", "Bearer " + auditorParts[0] + "." + auditorParts[1] + ".", Grant.None),
            new("alg none", "Bearer " + Unsigned("""{"alg":"none","typ":"JWT"}""", auditorPayload), Grant.None),
            new("alg None", "Bearer " + Unsigned("""{"alg":"None","typ":"JWT"}""", auditorPayload), Grant.None),
            new("alg none with a signature", "Bearer " + Unsigned("""{"alg":"none"}""", auditorPayload, auditorParts[2]), Grant.None),
            new("alg RS256 with HMAC signature", "Bearer " + Sign("""{"alg":"RS256","typ":"JWT"}""", auditorPayload, key), Grant.None),
            new("alg HS512 with HS256 signature", "Bearer " + Sign("""{"alg":"HS512","typ":"JWT"}""", auditorPayload, key), Grant.None),
            new("kid path traversal", "Bearer " + Sign("""{"alg":"HS256","kid":"../../../../dev/null"}""", auditorPayload, []), Grant.None),
            new("jku to loopback", "Bearer " + Sign("""{"alg":"HS256","jku":"http://127.0.0.1:1/jwks"}""", auditorPayload, otherKey), Grant.None),
            new("empty key", "Bearer " + Sign(hs256, auditorPayload, []), Grant.None),

            // Lifetime, issuer and audience.
            new("expired", "Bearer " + Sign(hs256, Payload(forger, "\"auditor\"", iat: now - 7200, nbf: now - 7200, exp: now - 300), key), Grant.None),
            new("not yet valid", "Bearer " + Sign(hs256, Payload(forger, "\"auditor\"", iat: now + 3600, nbf: now + 3600, exp: now + 7200), key), Grant.None),
            new("no expiry", "Bearer " + Sign(hs256, Payload(forger, "\"auditor\""), key), Grant.None),
            new("exp as string", "Bearer " + Sign(hs256, Payload(forger, "\"auditor\"", extra: ",\"exp\":\"never\""), key), Grant.None),
            new("wrong issuer", "Bearer " + Sign(hs256, Payload(forger, "\"auditor\"", exp: now + 3600, iss: "evil-issuer"), key), Grant.None),
            new("wrong audience", "Bearer " + Sign(hs256, Payload(forger, "\"auditor\"", exp: now + 3600, aud: "another-api"), key), Grant.None),
            new("issuer case changed", "Bearer " + Sign(hs256, Payload(forger, "\"auditor\"", exp: now + 3600, iss: PlatformAuth.Issuer.ToUpperInvariant()), key), Grant.None),

            // Role escalation with a genuinely signed token: only the exact string "auditor" or "admin" counts.
            new("role writer", "Bearer " + Good(escalator, "\"writer\""), Grant.Authenticated),
            new("role Auditor (case)", "Bearer " + Good(escalator, "\"Auditor\""), Grant.Authenticated),
            new("role ADMIN (case)", "Bearer " + Good(escalator, "\"ADMIN\""), Grant.Authenticated),
            new("role padded", "Bearer " + Good(escalator, "\" auditor \""), Grant.Authenticated),
            new("role with NUL", "Bearer " + Good(escalator, "\"auditor\\u0000\""), Grant.Authenticated),
            new("role comma list", "Bearer " + Good(escalator, "\"auditor,admin\""), Grant.Authenticated),
            new("role space list", "Bearer " + Good(escalator, "\"auditor admin\""), Grant.Authenticated),
            new("role nested array", "Bearer " + Good(escalator, "[[\"auditor\"]]"), Grant.Authenticated),
            new("role object", "Bearer " + Good(escalator, "{\"auditor\":true}"), Grant.Authenticated),
            new("role number", "Bearer " + Good(escalator, "1"), Grant.Authenticated),
            new("role true", "Bearer " + Good(escalator, "true"), Grant.Authenticated),
            new("role null", "Bearer " + Good(escalator, "null"), Grant.Authenticated),
            new("role empty array", "Bearer " + Good(escalator, "[]"), Grant.Authenticated),
            new("roles (plural) claim", "Bearer " + Good(escalator, null, ",\"roles\":[\"auditor\"]"), Grant.Authenticated),
            new("long-form role claim", "Bearer " + Good(escalator, null, ",\"http://schemas.microsoft.com/ws/2008/06/identity/claims/role\":\"auditor\""), Grant.Authenticated),
            new("scope claim", "Bearer " + Good(escalator, null, ",\"scope\":\"auditor admin\""), Grant.Authenticated),

            // Validly signed, odd subjects: the posts API must refuse or attribute them, never fail. (A subject that is an
            // array makes the token unreadable to the handler: refused outright.)
            new("subject with control char", "Bearer " + Good($"ctl\\u0001{runId}", null), Grant.Authenticated),
            new("subject with NUL", "Bearer " + Good($"nul\\u0000{runId}", null), Grant.Authenticated),
            new("subject of 300 chars", "Bearer " + Good(new string('s', 300), null), Grant.Authenticated),
            new("subject with SQL", "Bearer " + Good($"x'); DELETE FROM threadline.changes; --{runId}", null), Grant.Authenticated),
            new("subject unicode", "Bearer " + Good($"\\u202Eüser-😀-{runId}", null), Grant.Authenticated),
            new("no subject", "Bearer " + Sign(hs256, $"{{\"iss\":\"{PlatformAuth.Issuer}\",\"aud\":\"{PlatformAuth.Audience}\",\"nbf\":{now - 5},\"exp\":{now + 3600}}}", key), Grant.Authenticated),
            new("subject number", "Bearer " + Sign(hs256, $"{{\"sub\":12345,\"iss\":\"{PlatformAuth.Issuer}\",\"aud\":\"{PlatformAuth.Audience}\",\"nbf\":{now - 5},\"exp\":{now + 3600}}}", key), Grant.Authenticated),
            new("subject array", "Bearer " + Sign(hs256, $"{{\"sub\":[\"a-{runId}\",\"b\"],\"iss\":\"{PlatformAuth.Issuer}\",\"aud\":\"{PlatformAuth.Audience}\",\"nbf\":{now - 5},\"exp\":{now + 3600}}}", key), Grant.None),
        ];
    }
}
