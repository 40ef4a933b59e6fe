using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>Thrown when a platform or a resource fails to start or to become healthy; the message names the resource and says why.</summary>
public sealed class ResourceStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Records every resource's state history (from <see cref="ResourceNotificationService"/>) and its last console lines
/// (from <see cref="ResourceLoggerService"/>) from before the application starts, so a failed start can say which
/// resource failed and why, and waits that fail fast: a resource whose process exits while it is awaited is reported at
/// once, instead of after the whole start budget as an unexplained TaskCanceledException (issue 17).
/// </summary>
public sealed class ResourceDiagnostics : IAsyncDisposable
{
    private const int LinesKept = 40;
    private const int StatesKept = 30;

    private readonly DistributedApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _watchers = [];
    private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Call after BuildAsync and before StartAsync, so nothing is missed.</summary>
    public ResourceDiagnostics(DistributedApplication app)
    {
        _app = app;
        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        var watchedIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        _watchers.Add(Task.Run(async () =>
        {
            try
            {
                await foreach (var e in app.ResourceNotifications.WatchAsync(_stop.Token))
                {
                    var record = RecordOf(e.Resource.Name);
                    record.AddState(e.Snapshot);
                    // Logs are watched by the id DCP gives each instance, known only once the resource is being created
                    // (a watch by the model name before the start sees nothing); a new id after a restart gets its own watch.
                    if (e.Resource is not IResourceWithoutLifetime and not ParameterResource && watchedIds.Add(e.ResourceId))
                    {
                        _watchers.Add(Task.Run(() => WatchLogsAsync(loggers, e.ResourceId, record)));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }));
    }

    private async Task WatchLogsAsync(ResourceLoggerService loggers, string resourceId, Record record)
    {
        try
        {
            await foreach (var batch in loggers.WatchAsync(resourceId).WithCancellation(_stop.Token))
            {
                foreach (var line in batch)
                {
                    record.AddLine(line.Content);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The resource's state history and last console lines, for a failure message.</summary>
    public string Describe(string resource)
    {
        var record = RecordOf(resource);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"--- resource '{resource}' ---\n  state history: ");
        text.AppendJoin(" -> ", record.States);
        var lines = record.Lines;
        text.Append(CultureInfo.InvariantCulture, $"\n  last {lines.Count} log lines:\n");
        foreach (var line in lines)
        {
            text.Append("    | ").Append(line).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// When each resource first ran and first reported healthy, in seconds after <paramref name="since"/>, in that order:
    /// where a start's time went (e.g. "postgres run 0.4 healthy 2.1, schema-manager run 2.3 finished 6.0").
    /// </summary>
    public string Timeline(DateTime since)
    {
        var parts = _records
            .Select(r => (Name: r.Key, r.Value.FirstRunning, r.Value.FirstHealthy, r.Value.FirstFinished))
            .Where(r => r.FirstRunning is not null)
            .OrderBy(r => r.FirstRunning)
            .Select(r => $"{r.Name} run {Seconds(r.FirstRunning)}"
                + (r.FirstHealthy is { } healthy ? $" healthy {Seconds(healthy)}" : "")
                + (r.FirstFinished is { } finished ? $" finished {Seconds(finished)}" : ""));
        return string.Join(", ", parts);

        string Seconds(DateTime? at) => ((at ?? since) - since).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (a start and the waits that follow it) within <paramref name="budget"/>. Fails at
    /// once when a resource event matches <paramref name="failed"/>, and otherwise when the operation fails or the budget
    /// runs out; the exception names the resource(s) and includes their state history and last log lines.
    /// </summary>
    public async Task GuardAsync(string what, TimeSpan budget, Func<ResourceEvent, bool> failed, IReadOnlyCollection<string> awaited, Func<CancellationToken, Task> operation)
    {
        using var cancel = new CancellationTokenSource(budget);
        using var watchStop = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
        var started = DateTime.UtcNow;
        var failure = WatchForFailureAsync(failed, watchStop.Token);
        var work = operation(cancel.Token);
        var first = await Task.WhenAny(work, failure);
        await watchStop.CancelAsync();
        if (first == failure && failure.Result is { } failedEvent)
        {
            await cancel.CancelAsync();
            await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(10)));
            var snapshot = failedEvent.Snapshot;
            var message = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                $"{what}: resource '{failedEvent.Resource.Name}' entered state {snapshot.State?.Text}{ExitText(snapshot)} after {(DateTime.UtcNow - started).TotalSeconds:F1} s, while {string.Join(", ", awaited)} {(awaited.Count == 1 ? "was" : "were")} awaited.\n"));
            message.Append(Describe(failedEvent.Resource.Name));
            throw new ResourceStartException(message.ToString());
        }

        try
        {
            await work;
        }
        catch (Exception ex) when (ex is OperationCanceledException or DistributedApplicationException or TimeoutException)
        {
            var reason = cancel.IsCancellationRequested ? $"did not finish within {budget.TotalMinutes:F0} min" : $"failed ({ex.GetType().Name}: {ex.Message})";
            var unhealthy = awaited.Where(r => !IsHealthy(r)).DefaultIfEmpty(awaited.FirstOrDefault() ?? "").ToArray();
            var message = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                $"{what} {reason} after {(DateTime.UtcNow - started).TotalSeconds:F1} s; not healthy: {string.Join(", ", unhealthy)}.\n"));
            // The awaited resources first, then any other resource that is not running well (often the real cause).
            foreach (var name in unhealthy.Concat(_records.Keys.Where(n => !awaited.Contains(n, StringComparer.OrdinalIgnoreCase) && IsSuspect(n))).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                message.Append(Describe(name));
            }

            throw new ResourceStartException(message.ToString(), ex);
        }
    }

    /// <summary>A failure during a whole-platform start: a resource failed to start, or its process exited with a non-zero code.</summary>
    public static bool FailedDuringStart(ResourceEvent e) =>
        e.Snapshot.State?.Text == KnownResourceStates.FailedToStart
        || (e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state) && e.Snapshot.ExitCode is { } code && code != 0);

    private static string ExitText(CustomResourceSnapshot snapshot) => snapshot.ExitCode is { } code ? $" with exit code {code}" : "";

    private bool IsHealthy(string resource) =>
        _app.ResourceNotifications.TryGetCurrentState(resource, out var e) && e.Snapshot.HealthStatus == HealthStatus.Healthy;

    private bool IsSuspect(string resource) =>
        _app.ResourceNotifications.TryGetCurrentState(resource, out var e)
        && (FailedDuringStart(e) || e.Snapshot.HealthStatus == HealthStatus.Unhealthy || e.Snapshot.State?.Text == KnownResourceStates.Waiting);

    private async Task<ResourceEvent?> WatchForFailureAsync(Func<ResourceEvent, bool> failed, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in _app.ResourceNotifications.WatchAsync(cancellationToken))
            {
                if (failed(e))
                {
                    // Give the log stream a moment to deliver the lines the process wrote before it ended.
                    var record = RecordOf(e.Resource.Name);
                    var seen = record.LineCount;
                    for (var i = 0; i < 30 && record.LineCount == seen; i++)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(300), CancellationToken.None);
                    return e;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    private Record RecordOf(string resource) => _records.GetOrAdd(resource, _ => new Record());

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_watchers.ToArray());
        _stop.Dispose();
    }

    private sealed class Record
    {
        private readonly Queue<string> _lines = new();
        private readonly List<string> _states = [];
        private string? _lastState;

        private int _lineCount;

        public DateTime? FirstRunning { get; private set; }

        public DateTime? FirstHealthy { get; private set; }

        public DateTime? FirstFinished { get; private set; }

        public int LineCount => Volatile.Read(ref _lineCount);

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return _lines.ToArray();
                }
            }
        }

        public IReadOnlyList<string> States
        {
            get
            {
                lock (_states)
                {
                    return _states.ToArray();
                }
            }
        }

        public void AddLine(string line)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                _lineCount++;
                while (_lines.Count > LinesKept)
                {
                    _lines.Dequeue();
                }
            }
        }

        public void AddState(CustomResourceSnapshot snapshot)
        {
            var pid = snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value?.ToString();
            var text = $"{(snapshot.State?.Text is { Length: > 0 } state ? state : "(no state)")}{(snapshot.HealthStatus is { } health ? $" [{health}]" : "")}{ExitText(snapshot)}{(pid is { Length: > 0 } ? $" pid {pid}" : "")}";
            lock (_states)
            {
                var now = DateTime.UtcNow;
                if (snapshot.State?.Text == KnownResourceStates.Running)
                {
                    FirstRunning ??= now;
                    if (snapshot.HealthStatus == HealthStatus.Healthy)
                    {
                        FirstHealthy ??= now;
                    }
                }
                else if (snapshot.State?.Text is { } ended && KnownResourceStates.TerminalStates.Contains(ended))
                {
                    FirstFinished ??= now;
                }

                if (text == _lastState)
                {
                    return;
                }

                _lastState = text;
                _states.Add($"{now:HH:mm:ss.f} {text}");
                if (_states.Count > StatesKept)
                {
                    _states.RemoveAt(1); // keep the first state
                }
            }
        }
    }
}
