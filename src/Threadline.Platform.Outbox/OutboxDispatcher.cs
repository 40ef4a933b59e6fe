using System.Text.Json;
using System.Threading.Channels;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Threadline.Platform.Outbox;

/// <summary>
/// Publishes outbox rows after their transaction commits: woken by the API right after a commit, and every few
/// seconds for rows a crashed process left behind. Rows are claimed with FOR UPDATE SKIP LOCKED, published with their
/// own message id and audit context, and marked in the same transaction; a crash after publishing and before the mark
/// republishes, which idempotent consumers ignore. At least once to the broker, exactly once in effect. Several
/// instances dispatch side by side: SKIP LOCKED hands each row to one of them, and the row names it (dispatched_by).
/// Each publish continues the trace of the request that wrote the row; idle sweeps leave no trace (OutboxTelemetry).
/// </summary>
/// <typeparam name="TDbContext">The context that maps the outbox tables (<see cref="OutboxModelBuilderExtensions.AddOutboxTables"/>).</typeparam>
public sealed class OutboxDispatcher<TDbContext>(IServiceScopeFactory scopes, IAuditContextAccessor accessor, OutboxOptions options, ILogger<OutboxDispatcher<TDbContext>> logger) : BackgroundService, IOutboxWake
    where TDbContext : DbContext
{
    private const int BatchSize = 50;
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    // A batch holds its rows locked in a pooled transaction while it publishes; with the broker down it gives up
    // after this long rather than pin one of the pooler's few server connections for the whole outage.
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromSeconds(10);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <inheritdoc />
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = Sweep;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await DispatchBatchAsync(stoppingToken) == BatchSize)
                {
                }

                if (delay != Sweep)
                {
                    logger.LogInformation("Outbox dispatch recovered");
                }

                delay = Sweep;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Broker or database unavailable: the rows stay pending; back off and try again.
                logger.LogWarning(ex, "Outbox dispatch failed; retrying in {Delay}", delay);
                OutboxTelemetry.RecordFailedSweep(ex, delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(delay);
            try
            {
                await _wake.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    private async Task<int> DispatchBatchAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(BatchTimeout);
        var cancellationToken = timeout.Token;
        // Claim and mark run under the quiet sweep span: the sampler drops it and its database spans as a root.
        using var sweep = OutboxTelemetry.StartSweep();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var pending = await db.Set<OutboxMessage>()
            .FromSql($"SELECT * FROM outbox_messages WHERE dispatched_at IS NULL ORDER BY id LIMIT {BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var message in pending)
        {
            await PublishAsync(publisher, message, cancellationToken);
            message.DispatchedAt = DateTimeOffset.UtcNow;
            message.DispatchedBy = options.InstanceId;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return pending.Count;
    }

    private async Task PublishAsync(IPublishEndpoint publisher, OutboxMessage message, CancellationToken cancellationToken)
    {
        // The writer's audit context travels with the message, as if it had been published inside the request.
        using var audit = message.AuditContext is null ? null : accessor.Begin(AuditContext.Parse(message.AuditContext));
        using var dispatch = OutboxTelemetry.StartDispatch(message);
        var type = options.MessageType(message.MessageType)
            ?? throw new InvalidOperationException($"Outbox message {message.MessageId} has unknown type '{message.MessageType}'.");
        var payload = JsonSerializer.Deserialize(message.Payload, type)
            ?? throw new InvalidOperationException($"Outbox message {message.MessageId} has an empty payload.");
        await publisher.Publish(payload, type, context => context.MessageId = message.MessageId, cancellationToken);
    }
}
