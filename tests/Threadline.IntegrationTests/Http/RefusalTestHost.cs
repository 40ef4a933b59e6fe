using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Threadline.AspNetCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Http;

/// <summary>
/// A small ASP.NET Core app on Kestrel (loopback, any free port) wired as the docs say: test-header authentication, the
/// Threadline HTTP bridge and <c>AddThreadlineErrorResponses()</c> with <c>UseExceptionHandler()</c>. Each endpoint writes
/// one row to <c>public.{table}</c> on a direct connection, in one of the ways that Threadline refuses, or correctly.
/// </summary>
internal sealed class RefusalTestHost : IAsyncDisposable
{
    /// <summary>A role with no privileges at all, for PostgreSQL's own 42501.</summary>
    public const string UnprivilegedRole = "refusal_test_unprivileged";

    private readonly WebApplication _app;

    private RefusalTestHost(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public static async Task<RefusalTestHost> StartAsync(string connectionString, Action<ThreadlineHttpOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(TestHeaderAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TestHeaderAuthentication>(TestHeaderAuthentication.SchemeName, null);
        builder.Services.AddThreadlineHttpContext(configure);
        builder.Services.AddThreadlineErrorResponses();
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseThreadlineAuditContext();

        // The request's own context, as the bridges pass it.
        app.MapPost("/write/{table}", (string table, IAuditContextAccessor accessor) =>
            WriteAsync(connectionString, table, async (db, tx) => await db.ExecAsync(InsertSql(table), tx), accessor.Current));
        // No context at all: a missing interceptor or middleware.
        app.MapPost("/unaudited/{table}", (string table) =>
            WriteAsync(connectionString, table, async (db, tx) => await db.ExecAsync(InsertSql(table), tx), context: null));
        // A second actor in the same transaction.
        app.MapPost("/second-actor/{table}", (string table, IAuditContextAccessor accessor) =>
            WriteAsync(connectionString, table, async (db, tx) =>
            {
                await db.ExecAsync(InsertSql(table), tx);
                await tx.SetAuditContextAsync(new AuditContext(ActorRef.User("someone-else")));
                await db.ExecAsync(InsertSql(table), tx);
            }, accessor.Current));
        // A context set by hand with set_config: no transaction stamp.
        app.MapPost("/hand-set/{table}", (string table) =>
            WriteAsync(connectionString, table, async (db, tx) =>
            {
                await db.ExecAsync("""SELECT set_config('threadline.context', '{"actor":{"type":"user","id":"by-hand"}}', true)""", tx);
                await db.ExecAsync(InsertSql(table), tx);
            }, context: null));
        // A stamped context of an actor type Threadline does not know.
        app.MapPost("/malformed/{table}", (string table) =>
            WriteAsync(connectionString, table, async (db, tx) =>
            {
                await db.ExecAsync("""CALL threadline.set_context('{"actor":{"type":"martian","id":"x"}}')""", tx);
                await db.ExecAsync(InsertSql(table), tx);
            }, context: null));
        // PostgreSQL's own permission denied, with an attributed context: not Threadline's refusal.
        app.MapPost("/denied/{table}", (string table, IAuditContextAccessor accessor) =>
            WriteAsync(connectionString, table, async (db, tx) =>
            {
                await db.ExecAsync($"SET LOCAL ROLE {UnprivilegedRole}", tx);
                await db.ExecAsync(InsertSql(table), tx);
            }, accessor.Current));

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RefusalTestHost(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) });
    }

    /// <summary>The row carries a value a masked column would hide, to show that no response repeats it.</summary>
    public const string SecretNote = "secret-note-7f3a";

    private static string InsertSql(string table) => $"INSERT INTO public.{SqlIdentifier.Quote(table)} (note) VALUES ('{SecretNote}')";

    private static async Task<IResult> WriteAsync(string connectionString, string table, Func<NpgsqlConnection, NpgsqlTransaction, Task> write, AuditContext? context)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var tx = context is null ? await db.BeginTransactionAsync() : await db.BeginAuditedTransactionAsync(context);
        await write(db, tx);
        await tx.CommitAsync();
        return Results.Created($"/write/{table}", null);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
