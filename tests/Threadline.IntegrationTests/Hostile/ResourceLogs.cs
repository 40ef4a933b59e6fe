using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Threadline.IntegrationTests.Hostile;

/// <summary>
/// The console output of AppHost resources, as the dashboard shows it, collected while a test runs through Aspire's
/// <see cref="ResourceLoggerService"/>. Watching by resource (not by name) follows the DCP instance of a project.
/// </summary>
public sealed class ResourceLogs : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watchers = [];
    private readonly ConcurrentQueue<(string Resource, string Line)> _lines = new();

    public ResourceLogs(DistributedApplication app, params string[] resources)
    {
        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        foreach (var name in resources)
        {
            var resource = model.Resources.Single(r => r.Name == name);
            _watchers.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in loggers.WatchAsync(resource).WithCancellation(_stop.Token))
                    {
                        foreach (var line in batch)
                        {
                            _lines.Enqueue((name, line.Content));
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }
    }

    public IReadOnlyList<(string Resource, string Line)> Lines => _lines.ToArray();

    public int CountOf(string resource) => _lines.Count(l => l.Resource == resource);

    /// <summary>Waits until a line of <paramref name="resource"/> contains <paramref name="text"/> (proof the stream is live and caught up).</summary>
    public async Task WaitForAsync(string resource, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_lines.Any(l => l.Resource == resource && l.Line.Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"No log line of {resource} contained '{text}' within {timeout.TotalSeconds:F0} s ({CountOf(resource)} lines seen).");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_watchers);
        _stop.Dispose();
    }
}
