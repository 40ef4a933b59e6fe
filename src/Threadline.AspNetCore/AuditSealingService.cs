using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Threadline.Operations.Integrity;

namespace Threadline.AspNetCore;

/// <summary>
/// Seals the audit trail on an interval (the first seal right at start). A failed run is logged and retried at the
/// next tick: a missed seal loses nothing, the next one covers what it would have.
/// </summary>
/// <param name="options">The sealing options, validated at start by <see cref="ThreadlineSealingExtensions.AddThreadlineSealing"/>.</param>
/// <param name="logger">Receives each seal and each failed run.</param>
public sealed partial class AuditSealingService(IOptions<ThreadlineSealingOptions> options, ILogger<AuditSealingService> logger) : BackgroundService
{
    /// <summary>
    /// Seals at start and then every <see cref="ThreadlineSealingOptions.Interval"/>, each time on a new connection: calls
    /// <c>threadline.seal()</c>, which adds one row to the seal chain and changes no audit row. Database and timeout errors
    /// are logged and the next tick tries again; the loop ends when the host stops.
    /// </summary>
    /// <param name="stoppingToken">Signalled when the host stops.</param>
    /// <exception cref="InvalidOperationException">The options have no connection string or a non-positive interval.</exception>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.ConnectionString) || settings.Interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Threadline sealing needs a ConnectionString and a positive Interval.");
        }

        var sealer = new AuditSealer(settings.Schema);
        using var timer = new PeriodicTimer(settings.Interval);
        do
        {
            try
            {
                await using var connection = new NpgsqlConnection(settings.ConnectionString);
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                var seal = await sealer.SealAsync(connection, settings.SkipWhenNothingNew, stoppingToken).ConfigureAwait(false);
                if (seal is not null)
                {
                    LogSealed(seal.Id, seal.Transactions, seal.Changes, seal.Hash);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Sealed the audit trail: seal {SealId} covers {Transactions} transactions and {Changes} changes, hash {Hash}")]
    private partial void LogSealed(long sealId, long transactions, long changes, string hash);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Sealing the audit trail failed; the next run covers what this one would have")]
    private partial void LogFailed(Exception exception);
}
