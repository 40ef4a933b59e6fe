using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using Threadline.EntityFrameworkCore;

namespace Threadline.Samples.MinimalApi;

/// <summary>The sample's wiring: bearer tokens, the audited database, the auditor's reads, migrations.</summary>
public static class NotesSetup
{
    /// <summary>The policy of the investigation API and UI.</summary>
    public const string AuditorPolicy = "auditor";

    /// <summary>JWT bearer tokens from <c>Jwt:Issuer</c>, <c>Jwt:Audience</c> and <c>Jwt:SigningKey</c> (HMAC-SHA256); the <c>sub</c> claim is the actor.</summary>
    public static WebApplicationBuilder AddNotesAuthentication(this WebApplicationBuilder builder)
    {
        var jwt = builder.Configuration.GetSection("Jwt");
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = jwt["Issuer"],
                ValidAudience = jwt["Audience"],
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Required(jwt, "SigningKey"))),
                NameClaimType = "sub",
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuthorizationBuilder().AddPolicy(AuditorPolicy, policy => policy.RequireRole("auditor"));
        return builder;
    }

    /// <summary>
    /// The app's writes go through PgBouncer (<c>ConnectionStrings:Notes</c>) with the request's audit context; the
    /// investigation reads go through PgBouncer as the auditor (<c>ConnectionStrings:AuditReader</c>).
    /// </summary>
    public static WebApplicationBuilder AddNotesDatabase(this WebApplicationBuilder builder)
    {
        var notes = Required(builder.Configuration.GetSection("ConnectionStrings"), "Notes");
        builder.Services.AddDbContext<NotesDb>((services, options) => options
            .UseNpgsql(notes, HistoryInOwnSchema)
            .UseThreadline(services.GetRequiredService<IAuditContextAccessor>()));
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(Required(builder.Configuration.GetSection("ConnectionStrings"), "AuditReader")));
        return builder;
    }

    /// <summary>
    /// Applies the migrations (the audit schema, the captured table) when <c>ConnectionStrings:Migrations</c> is set:
    /// a direct connection, not through PgBouncer, as a role that may create schemas and roles.
    /// </summary>
    public static async Task MigrateNotesDbAsync(this WebApplication app)
    {
        if (app.Configuration.GetConnectionString("Migrations") is not { Length: > 0 } migrations)
        {
            return;
        }

        var options = new DbContextOptionsBuilder<NotesDb>().UseNpgsql(migrations, HistoryInOwnSchema).Options;
        await using var db = new NotesDb(options);
        await db.Database.MigrateAsync();
    }

    private static void HistoryInOwnSchema(NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsHistoryTable("__EFMigrationsHistory", NotesDb.Schema);

    private static string Required(IConfiguration section, string key) =>
        section[key] is { Length: > 0 } value ? value : throw new InvalidOperationException($"Configuration value '{key}' is missing.");
}
