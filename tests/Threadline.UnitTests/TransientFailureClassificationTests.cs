using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Threadline.AspNetCore;

namespace Threadline.UnitTests;

/// <summary>
/// The rule of <see cref="ThreadlineErrors"/> by SQLSTATE, and what <see cref="TransientDatabaseFailureHandler"/> answers.
/// Integration TransientFailureTests produce each class against real PostgreSQL and PgBouncer; these pin the table.
/// </summary>
public sealed class TransientFailureClassificationTests
{
    [Theory]
    [InlineData(null, true, TransientFailureKind.Unavailable)]   // socket, stream or timeout: Npgsql marks it transient, without a SQLSTATE
    [InlineData("08P01", false, TransientFailureKind.Unavailable)] // PgBouncer: server connection lost, limits, login failures
    [InlineData("08006", false, TransientFailureKind.Unavailable)] // connection_failure
    [InlineData("57P01", false, TransientFailureKind.Unavailable)] // admin shutdown (PostgreSQL restarting)
    [InlineData("57P02", false, TransientFailureKind.Unavailable)] // crash shutdown
    [InlineData("57P03", false, TransientFailureKind.Unavailable)] // cannot connect now (starting or shutting down)
    [InlineData("57P05", false, TransientFailureKind.Unavailable)] // idle session timeout
    [InlineData("53300", true, TransientFailureKind.Unavailable)]  // too many connections
    [InlineData("25006", false, TransientFailureKind.Unavailable)] // read-only transaction: a standby after failover
    [InlineData("40001", true, TransientFailureKind.RolledBack)]   // serialization failure
    [InlineData("40P01", true, TransientFailureKind.RolledBack)]   // deadlock
    [InlineData("55P03", true, TransientFailureKind.RolledBack)]   // lock timeout
    [InlineData("57014", false, TransientFailureKind.RolledBack)]  // statement timeout or cancel
    public void Transient_failures_are_classified_by_sqlstate(string? sqlState, bool driverSaysTransient, TransientFailureKind kind)
    {
        var failure = new FakeDbException(sqlState, driverSaysTransient);
        Assert.Equal(kind, ThreadlineErrors.FindTransient(failure)?.Kind);
        // EF Core, MassTransit and the endpoint wrap the driver's exception; the inner one decides.
        Assert.Equal(kind, ThreadlineErrors.FindTransient(new InvalidOperationException("wrapped", new InvalidOperationException("again", failure)))?.Kind);
        Assert.Equal(kind, ThreadlineErrors.FindTransient(new AggregateException(new ArgumentException("first"), new InvalidOperationException("second", failure)))?.Kind);
    }

    [Theory]
    [InlineData("23505", false)] // unique violation: a bug or a conflict, not an outage
    [InlineData("42501", false)] // Threadline: a write needs an actor
    [InlineData("TL001", false)] // Threadline: a context from another transaction
    [InlineData("55000", true)]  // Threadline: not partitioned. Npgsql calls 55000 transient; a retry can never succeed
    [InlineData(null, false)]    // a client error that is not transient (protocol, misuse)
    public void Other_failures_are_not_transient(string? sqlState, bool driverSaysTransient)
    {
        var failure = new FakeDbException(sqlState, driverSaysTransient);
        Assert.Null(ThreadlineErrors.FindTransient(failure));
        Assert.False(ThreadlineErrors.IsTransient(new InvalidOperationException("wrapped", failure)));
        Assert.False(ThreadlineErrors.IsTransient(new TimeoutException("not from the database")));
    }

    [Fact]
    public void The_sqlstate_of_a_wrapped_failure_is_found_for_the_log()
    {
        Assert.Equal("23505", ThreadlineErrors.SqlStateOf(new InvalidOperationException("wrapped", new FakeDbException("23505", false))));
        Assert.Null(ThreadlineErrors.SqlStateOf(new InvalidOperationException("no database")));
    }

    [Fact]
    public async Task A_lost_connection_is_a_503_described_as_unconfirmed_with_retry_after()
    {
        var (handled, http, body) = await HandleAsync(new InvalidOperationException("EF Core", new FakeDbException("57P01", false)));
        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, http.Response.StatusCode);
        Assert.Equal("2", http.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", http.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal(TransientDatabaseFailureHandler.UnavailableTitle, body.GetProperty("title").GetString());
        Assert.Contains("not confirmed", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(503, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_deadlock_is_a_503_described_as_rolled_back()
    {
        var (handled, http, body) = await HandleAsync(new FakeDbException("40P01", true), o => o.RetryAfter = TimeSpan.FromMilliseconds(1_500));
        Assert.True(handled);
        Assert.Equal("2", http.Response.Headers.RetryAfter.ToString());
        Assert.Equal(TransientDatabaseFailureHandler.RolledBackTitle, body.GetProperty("title").GetString());
        Assert.Contains("SQLSTATE 40P01", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_failures_are_left_to_the_500_handler_without_retry_after()
    {
        var (handled, http, _) = await HandleAsync(new FakeDbException("23505", false));
        Assert.False(handled);
        Assert.False(http.Response.Headers.ContainsKey("Retry-After"));
    }

    private static async Task<(bool Handled, HttpContext Http, JsonElement Body)> HandleAsync(Exception exception, Action<ThreadlineErrorResponseOptions>? configure = null)
    {
        var services = new ServiceCollection().AddLogging().AddThreadlineErrorResponses(configure).BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Response.Body = new MemoryStream();
        var handler = services.GetServices<IExceptionHandler>().OfType<TransientDatabaseFailureHandler>().Single();
        var handled = await handler.TryHandleAsync(http, exception, CancellationToken.None);
        http.Response.Body.Position = 0;
        var body = http.Response.Body.Length == 0 ? default : (await JsonDocument.ParseAsync(http.Response.Body)).RootElement;
        return (handled, http, body);
    }

    private sealed class FakeDbException(string? sqlState, bool transient) : DbException("fake")
    {
        public override string? SqlState => sqlState;

        public override bool IsTransient => transient;
    }
}
