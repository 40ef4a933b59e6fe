using System.Net;
using System.Text.Json;
using Npgsql;
using Threadline.AspNetCore;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Http;

/// <summary>
/// Each of Threadline's refusals, produced for real through an HTTP endpoint of a small app on real PostgreSQL, answered
/// by <c>AddThreadlineErrorResponses()</c> with the status, problem type, title and fixed detail that docs/troubleshooting.md
/// gives it, nothing of the database's message in the body, and nothing written. PostgreSQL's own 42501 is not taken
/// for Threadline's.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class RefusalResponseTests(DatabaseFixture platform)
{
    [Fact]
    public async Task An_anonymous_write_to_a_strict_table_is_a_401_with_the_challenge_and_nothing_is_written()
    {
        var table = await CreateTableAsync(o => o with { RequireActor = true, Mask = ["note"] });
        await using var host = await RefusalTestHost.StartAsync(platform.DirectConnectionString);

        using var response = await host.Client.PostAsync($"/write/{table}", null);

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, ThreadlineRefusalHandler.AnonymousActorRefusedType,
            "Authentication required", table);
        Assert.Contains("Sign in", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TestHeaderAuthentication.SchemeName, Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        await AssertNothingWrittenAsync(table);
    }

    [Fact]
    public async Task The_same_write_by_a_signed_in_user_is_saved_and_attributed()
    {
        var table = await CreateTableAsync(o => o with { RequireActor = true });
        await using var host = await RefusalTestHost.StartAsync(platform.DirectConnectionString);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/write/{table}");
        request.Headers.Add(TestHeaderAuthentication.Header, "alice");
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(("user", "alice"), await ActorAsync(table));
    }

    [Fact]
    public async Task An_anonymous_write_to_a_strict_table_that_allows_it_is_saved_as_anonymous()
    {
        var table = await CreateTableAsync(o => o with { RequireActor = true, AllowAnonymous = true });
        await using var host = await RefusalTestHost.StartAsync(platform.DirectConnectionString);

        using var response = await host.Client.PostAsync($"/write/{table}", null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(("anonymous", (string?)null), await ActorAsync(table));
    }

    [Fact]
    public async Task An_app_whose_resolver_attributes_anonymous_requests_to_another_actor_writes_to_a_strict_table()
    {
        var table = await CreateTableAsync(o => o with { RequireActor = true });
        await using var host = await RefusalTestHost.StartAsync(platform.DirectConnectionString, o => o.ActorResolver = user =>
            user.Identity?.IsAuthenticated == true ? ThreadlineHttpOptions.DefaultActor(user) : ActorRef.System("public-contact-form"));

        using var response = await host.Client.PostAsync($"/write/{table}", null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(("system", "public-contact-form"), await ActorAsync(table));
    }

    [Theory]
    [InlineData("unaudited", ThreadlineRefusalHandler.ActorRequiredType, "Change not attributed")]
    [InlineData("second-actor", ThreadlineRefusalHandler.ContextChangedInTransactionType, "Audit context changed")]
    [InlineData("hand-set", ThreadlineRefusalHandler.ContextNotFromThisTransactionType, "Audit context not trusted")]
    [InlineData("malformed", ThreadlineRefusalHandler.InvalidContextType, "Invalid audit context")]
    public async Task A_refusal_only_the_server_can_fix_is_a_500_that_says_so_and_nothing_is_written(string endpoint, string type, string title)
    {
        var table = await CreateTableAsync(o => o with { RequireActor = true, Mask = ["note"] });
        await using var host = await RefusalTestHost.StartAsync(platform.DirectConnectionString);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/{endpoint}/{table}");
        request.Headers.Add(TestHeaderAuthentication.Header, "alice");
        using var response = await host.Client.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.InternalServerError, type, title, table);
        Assert.Contains("server", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingWrittenAsync(table);
    }

    [Fact]
    public async Task PostgreSQLs_own_permission_denied_is_not_taken_for_a_Threadline_refusal()
    {
        var table = await CreateTableAsync(o => o with { RequireActor = true });
        await using (var db = await platform.OpenDirectAsync())
        {
            await db.ExecAsync($"""
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{RefusalTestHost.UnprivilegedRole}') THEN
                        CREATE ROLE {RefusalTestHost.UnprivilegedRole} NOLOGIN;
                    END IF;
                END $$;
                """);
        }

        await using var host = await RefusalTestHost.StartAsync(platform.DirectConnectionString);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/denied/{table}");
        request.Headers.Add(TestHeaderAuthentication.Header, "alice");
        using var response = await host.Client.SendAsync(request);

        // ASP.NET Core's own 500: the deployment lacks a grant, which neither the user nor Threadline can fix.
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"expected 500, got {(int)response.StatusCode}: {body}");
        var type = JsonDocument.Parse(body).RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
        Assert.False(type?.StartsWith("urn:threadline:", StringComparison.Ordinal) ?? false, body);
        await AssertNothingWrittenAsync(table);
    }

    private async Task<string> CreateTableAsync(Func<TableCaptureOptions, TableCaptureOptions> options)
    {
        await using var db = await platform.OpenDirectAsync();
        var name = await db.CreateTableAsync("refusal", "(id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)");
        await new CaptureManager().EnableAsync(db, options(new TableCaptureOptions(name)));
        return name;
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type, string title, string table)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains("Nothing was saved.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Fixed text: not the database's message, its SQL, the table, an actor id or a value of the row.
        foreach (var leak in new[] { table, "threadline: ", "INSERT", "SQLSTATE", "alice", "by-hand", "martian", "someone-else", RefusalTestHost.SecretNote })
        {
            Assert.False(body.Contains(leak, StringComparison.OrdinalIgnoreCase), $"the body repeats '{leak}': {body}");
        }

        return problem;
    }

    private async Task AssertNothingWrittenAsync(string table)
    {
        await using var db = await platform.OpenDirectAsync();
        Assert.Equal(0, await AuditRows.ScalarAsync<long>(db, $"SELECT count(*) FROM public.{table}"));
        Assert.Equal(0, await AuditRows.ScalarAsync<long>(db,
            "SELECT count(*) FROM threadline.change_log WHERE table_schema = 'public' AND table_name = $1 AND op <> 'baseline'", table));
    }

    private async Task<(string? Type, string? Id)> ActorAsync(string table)
    {
        await using var db = await platform.OpenDirectAsync();
        await using var command = new NpgsqlCommand("""
            SELECT t.actor_type, t.actor_id FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id
             WHERE c.table_schema = 'public' AND c.table_name = $1 AND c.op = 'insert'
            """, db);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no change was recorded");
        var actor = (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
        Assert.False(await reader.ReadAsync(), "more than one change was recorded");
        return actor;
    }
}
