using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Evidence;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Threadline.Schema;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Packaging;

/// <summary>
/// The minimal sample (src/Threadline.Samples.MinimalApi) as a team would take it: copied out of the repository, built
/// against the packed packages from a local feed, run against PostgreSQL (its migrations install the audit schema and
/// enable capture) and PgBouncer (its writes and the auditor's reads); an authenticated write is attributed to its
/// user, and the packaged investigation API returns that row's history.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class SampleAppTests(DatabaseFixture platform, ITestOutputHelper output)
{
    private const string SampleFolder = "src/Threadline.Samples.MinimalApi";

    /// <summary>Packs (unless another test did), restores from nuget.org and builds on a busy 2-core machine: generous, one budget.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task The_sample_built_from_the_packages_audits_a_users_write_and_serves_its_history()
    {
        using var budget = new CancellationTokenSource(Budget);
        var ct = budget.Token;
        var work = Directory.CreateTempSubdirectory("threadline-sample-");
        var secret = $"sample-signing-key-{Guid.NewGuid():N}";
        var actor = $"sample-user-{Guid.NewGuid():N}"[..24];
        Process? sample = null;
        try
        {
            var (feed, version, pack) = await LocalFeed.PackOnceAsync(RunAsync, ct);
            Assert.True(pack.ExitCode == 0, $"dotnet pack failed: {pack}");

            // The sample's sources only (no build output), outside the repository: no Directory.Build.props, no central versions.
            var app = Path.Combine(work.FullName, "sample");
            CopySources(Path.Combine(EvidenceFiles.RepositoryRoot, SampleFolder), app);
            LocalFeed.WriteNuGetConfig(app, feed);
            var build = await RunAsync("dotnet", ["build", app, "-c", "Release", $"-p:ThreadlinePackageVersion={version}", "-nologo"], app, ct);
            Assert.True(build.ExitCode == 0, $"the sample did not build against the packages: {build}");
            var assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
            Assert.Contains($"\"Threadline.AspNetCore.AdminUi/{version}\"", assets, StringComparison.Ordinal);
            Assert.DoesNotContain("\"type\": \"project\"", assets, StringComparison.Ordinal);

            // Run it: migrations on a direct connection, writes through PgBouncer as the app role, reads as the auditor.
            var port = FreePort();
            var baseAddress = new Uri($"http://127.0.0.1:{port}");
            sample = PackagingProcess.Start(PackagingProcess.Dotnet, [Path.Combine(app, "bin", "Release", "net10.0", "Threadline.Samples.MinimalApi.dll")], app, new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = baseAddress.ToString(),
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ConnectionStrings__Migrations"] = new NpgsqlConnectionStringBuilder(platform.DirectConnectionString) { Pooling = false }.ConnectionString,
                ["ConnectionStrings__Notes"] = platform.AppConnectionString,
                ["ConnectionStrings__AuditReader"] = platform.AuditorConnectionString,
                ["Jwt__Issuer"] = PlatformAuth.Issuer,
                ["Jwt__Audience"] = PlatformAuth.Audience,
                ["Jwt__SigningKey"] = secret,
            });
            var logs = new SampleLogs(sample);
            using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
            await WaitUntilServingAsync(http, sample, logs, ct);

            // The migrations created the table and its writer role; the operator grants that role to the app's login.
            await using (var db = await platform.OpenDirectAsync())
            {
                var appRole = new NpgsqlConnectionStringBuilder(platform.AppConnectionString).Username!;
                await using var grant = new NpgsqlCommand($"GRANT notes_writer TO {SqlIdentifier.Quote(appRole)}", db);
                await grant.ExecuteNonQueryAsync(ct);
                Assert.Contains(await new CaptureManager().ListAsync(db), t => t.Schema == "notes" && t.Table == "notes" && t.Options.RequireActor);
            }

            using var anonymous = new HttpRequestMessage(HttpMethod.Post, "/notes") { Content = JsonContent.Create(new { text = "nobody" }) };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(anonymous, ct)).StatusCode);

            using var write = new HttpRequestMessage(HttpMethod.Post, "/notes") { Content = JsonContent.Create(new { text = "written through the sample" }) };
            write.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PlatformAuth.IssueToken(secret, actor));
            using var written = await http.SendAsync(write, ct);
            Assert.True(written.StatusCode == HttpStatusCode.Created, $"POST /notes: {(int)written.StatusCode} {await written.Content.ReadAsStringAsync(ct)}\n{logs}");
            var id = (await written.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetInt64();

            // The user is not an auditor: the packaged API refuses them; an auditor reads the row's history.
            using var notAuditor = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/audit/rows/notes/notes/history?key={Uri.EscapeDataString($"{{\"id\":{id}}}")}");
            notAuditor.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PlatformAuth.IssueToken(secret, actor));
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(notAuditor, ct)).StatusCode);
            using var read = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/audit/rows/notes/notes/history?key={Uri.EscapeDataString($"{{\"id\":{id}}}")}");
            read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PlatformAuth.IssueToken(secret, "sample-auditor", [PlatformAuth.AuditorRole]));
            using var history = await http.SendAsync(read, ct);
            var body = await history.Content.ReadAsStringAsync(ct);
            Assert.True(history.StatusCode == HttpStatusCode.OK, $"row history: {(int)history.StatusCode} {body}\n{logs}");
            var entry = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray());
            Assert.Equal(("insert", "user", actor, "http"),
                (entry.GetProperty("op").GetString(), entry.GetProperty("actorType").GetString(), entry.GetProperty("actorId").GetString(), entry.GetProperty("source").GetString()));
            Assert.Equal("written through the sample", entry.GetProperty("dataAfter").GetProperty("text").GetString());

            // The packaged UI is served too: its login page and its stylesheet.
            using var login = await http.GetAsync("/ui/login", ct);
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Contains("no-store", login.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
            using var css = await http.GetAsync("/ui/admin-ui.css", ct);
            Assert.Equal((HttpStatusCode.OK, "text/css"), (css.StatusCode, css.Content.Headers.ContentType?.MediaType));
        }
        finally
        {
            if (sample is { HasExited: false })
            {
                sample.Kill(entireProcessTree: true);
                await sample.WaitForExitAsync(CancellationToken.None);
            }

            sample?.Dispose();
            await DropSampleSchemaAsync();
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind is harmless.
            }
        }
    }

    private static void CopySources(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj")
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task WaitUntilServingAsync(HttpClient http, Process sample, SampleLogs logs, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            Assert.False(sample.HasExited, $"the sample exited with code {(sample.HasExited ? sample.ExitCode : 0)}:\n{logs}");
            try
            {
                using var response = await http.GetAsync("/ui/login", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"the sample did not serve within 2 minutes:\n{logs}");
            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>Leaves the shared fixture database as it was: capture off, the sample's schema and role gone (audit rows stay).</summary>
    private async Task DropSampleSchemaAsync()
    {
        await using var db = await platform.OpenDirectAsync();
        if ((await new CaptureManager().ListAsync(db)).Any(t => t.Schema == "notes" && t.Table == "notes"))
        {
            await new CaptureManager().DisableAsync(db, "notes", "notes");
        }

        await using var drop = new NpgsqlCommand("""
            DROP SCHEMA IF EXISTS notes CASCADE;
            DO $$ BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'notes_writer') THEN DROP OWNED BY notes_writer; DROP ROLE notes_writer; END IF;
            END $$;
            """, db);
        await drop.ExecuteNonQueryAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> args, string workingDirectory, CancellationToken cancellationToken) =>
        PackagingProcess.RunAsync(fileName, args, workingDirectory, output, Budget, cancellationToken);

    /// <summary>The sample's console output, collected as it runs, for failure messages.</summary>
    private sealed class SampleLogs
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public SampleLogs(Process process)
        {
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public override string ToString() => string.Join('\n', _lines.TakeLast(80));

        private void Add(string? line)
        {
            if (line is not null)
            {
                _lines.Enqueue(line);
            }
        }
    }
}
