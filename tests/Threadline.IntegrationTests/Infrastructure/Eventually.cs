using Npgsql;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>Polls for what becomes true asynchronously: jobs run, outbox rows published, infrastructure recovered.</summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// True once <paramref name="condition"/> holds, false if <paramref name="timeout"/> passes first. A database or
    /// HTTP error while checking counts as "not yet": conditions are often checked while the platform recovers.
    /// </summary>
    public static async Task<bool> TrueWithinAsync(TimeSpan timeout, Func<Task<bool>> condition, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or HttpRequestException)
            {
                // Still recovering.
            }

            await Task.Delay(interval ?? DefaultInterval);
        }

        return false;
    }
}
