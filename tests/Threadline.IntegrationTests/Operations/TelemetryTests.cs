using System.Diagnostics;
using System.Diagnostics.Metrics;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Operations;

namespace Threadline.IntegrationTests.Operations;

/// <summary>Threadline's ActivitySource and Meter emit for real operations, with no actor identity in any tag.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class TelemetryTests(DatabaseFixture platform)
{
    [Fact]
    public async Task Verification_and_stamping_emit_spans_and_metrics_without_actor_identities()
    {
        var activities = new List<Activity>();
        var measurements = new List<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ThreadlineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (activities) { activities.Add(activity); } },
        };
        ActivitySource.AddActivityListener(activityListener);
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ThreadlineTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (measurements) { measurements.Add((instrument.Name, value, tags.ToArray())); }
        });
        meterListener.Start();
        var secretActor = $"telemetry-actor-{Guid.NewGuid():N}";

        await using var db = await platform.OpenDirectAsync();
        await using (var tx = await db.BeginAuditedTransactionAsync(new AuditContext(ActorRef.User(secretActor))))
        {
            await tx.CommitAsync();
        }

        await new CoverageChecker().CheckAsync(db, new CoverageExpectation { Required = ["public.posts"] });

        Assert.Contains(activities, a => a.OperationName == "threadline.verify.coverage");
        Assert.Contains(measurements, m => m.Instrument == "threadline.verification.runs" && m.Tags.Contains(new("kind", "coverage")) && m.Tags.Contains(new("outcome", "ok")));
        Assert.Contains(measurements, m => m.Instrument == "threadline.context.stamped");
        var everyTag = activities.SelectMany(a => a.TagObjects.Select(t => $"{t.Key}={t.Value}")).Concat(measurements.SelectMany(m => m.Tags.Select(t => $"{t.Key}={t.Value}")));
        Assert.DoesNotContain(everyTag, t => t.Contains(secretActor, StringComparison.Ordinal));
    }
}
