using Microsoft.Extensions.Hosting;
using Npgsql;
using Threadline.AspNetCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations.Integrity;

namespace Threadline.IntegrationTests.Operations;

/// <summary>The hosted sealing service seals at start and on its interval, and writes no empty seal when idle.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SealingServiceTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_service_seals_new_rows_on_its_interval_and_skips_idle_ticks()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_service");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 1);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddThreadlineSealing(configure: o =>
        {
            o.ConnectionString = database.ConnectionString;
            o.Interval = TimeSpan.FromSeconds(1);
        });
        using var host = builder.Build();

        await host.StartAsync();
        var first = await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(20), async () => await Seals(db) == 1, TimeSpan.FromMilliseconds(200));
        await SealScenario.WriteAsync(db, 10, 2);
        var second = await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(20), async () => await Seals(db) == 2, TimeSpan.FromMilliseconds(200));
        // An idle tick is seen, not waited out: seal() draws its id from the seals' sequence before it decides to skip,
        // and a sequence does not roll back, so two more ids drawn with no new seal are two ticks that ran and skipped.
        var drawn = await SealIdsDrawn(db);
        var idleTicks = await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(20), async () => await SealIdsDrawn(db) >= drawn + 2, TimeSpan.FromMilliseconds(200));
        var idle = await Seals(db);
        await host.StopAsync();
        var report = await new IntegrityVerifier().VerifyAsync(db);

        Assert.True(first, "the service seals when it starts");
        Assert.True(second, "the next tick seals the new rows");
        Assert.True(idleTicks, "no idle tick ran within 20 s of the second seal (the seals' sequence did not advance)");
        Assert.Equal(2L, idle);
        Assert.True(report.Intact);
        // 3 transactions of 3 changes: sealed rows are change rows (heads carry the transactions).
        Assert.Equal((9L, 0L), (report.RowsVerified, report.UnsealedRows));
    }

    [Fact]
    public async Task Without_a_connection_string_the_host_refuses_to_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddThreadlineSealing();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Threadline:Sealing:ConnectionString is required", error.Message, StringComparison.Ordinal);
    }

    private static Task<long> SealIdsDrawn(NpgsqlConnection db) =>
        SealScenario.ScalarAsync(db, "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('threadline.seals', 'id')::regclass), 0)");

    private static Task<long> Seals(NpgsqlConnection db) => SealScenario.ScalarAsync(db, "SELECT count(*) FROM threadline.seals");
}
