using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Threadline.Platform;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// The admin service as its own process, outside the AppHost: its audit-reader connection points at one benchmark
/// database (directly, as the reader role), and a token signed with a key made for this run authenticates as an auditor.
/// </summary>
public sealed class AdminServiceHost : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lastLines = new();

    private AdminServiceHost(Process process, HttpClient client)
    {
        this.process = process;
        Client = client;
    }

    public HttpClient Client { get; }

    public int Pid => process.Id;

    public static async Task<AdminServiceHost> StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(BuiltTools.AdminServiceDll);
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment[$"ConnectionStrings__{ResourceNames.AuditReaderDatabase}"] = connectionString;
        info.Environment[PlatformConfig.SigningKey.Replace(":", "__", StringComparison.Ordinal)] = secret;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the admin service.");
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            PlatformAuth.IssueToken(secret, "benchmark-auditor", [PlatformAuth.AuditorRole]));
        var host = new AdminServiceHost(process, client);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await host.WaitReadyAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lastLines.Enqueue(line);
        while (lastLines.Count > 40 && lastLines.TryDequeue(out _))
        {
        }
    }

    /// <summary>Ready when an authenticated dry-run export answers 200.</summary>
    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The admin service exited with {process.ExitCode}:\n{string.Join('\n', lastLines)}");
            }

            try
            {
                using var response = await Client.GetAsync("/api/v1/audit/export?dryRun=true&maxRows=1&table=orders", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"The admin service answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}\n{string.Join('\n', lastLines)}");
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        process.Dispose();
    }
}
