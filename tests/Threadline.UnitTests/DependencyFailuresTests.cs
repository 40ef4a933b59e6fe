using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Hosting;

namespace Threadline.UnitTests;

/// <summary>Which database failures the platform answers 503 + Retry-After, and what the problem details say.</summary>
public sealed class DependencyFailuresTests
{
    [Theory]
    [InlineData(null, true, true)]       // socket, stream or timeout: Npgsql marks it transient, without a SQLSTATE
    [InlineData("08P01", false, true)]   // PgBouncer: server connection lost
    [InlineData("57P01", false, true)]   // admin shutdown (PostgreSQL restarting)
    [InlineData("57P03", false, true)]   // cannot connect now (PostgreSQL starting)
    [InlineData("40P01", true, true)]    // deadlock: transient, rolled back
    [InlineData("23505", false, false)]  // unique violation: a bug or a conflict, not an outage
    [InlineData("42501", false, false)]  // insufficient privilege
    [InlineData(null, false, false)]     // a non-transient client error
    public void Transient_and_connection_failures_are_unavailable_others_are_not(string? sqlState, bool transient, bool unavailable)
    {
        var failure = new FakeDbException(sqlState, transient);
        Assert.Equal(unavailable, DependencyFailures.IsDatabaseUnavailable(failure));
        // EF Core and the endpoint wrap the driver's exception; the inner one decides.
        Assert.Equal(unavailable, DependencyFailures.IsDatabaseUnavailable(new InvalidOperationException("wrapped", new InvalidOperationException("again", failure))));
    }

    [Fact]
    public void A_lost_connection_is_described_as_unconfirmed_with_retry_after()
    {
        var context = Describe(new FakeDbException("57P01", transient: false));
        Assert.Equal("Database unavailable", context.ProblemDetails.Title);
        Assert.Contains("not confirmed", context.ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Equal("2", context.HttpContext.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public void A_deadlock_is_described_as_rolled_back_with_retry_after()
    {
        var context = Describe(new FakeDbException("40P01", transient: true));
        Assert.Equal("Database busy", context.ProblemDetails.Title);
        Assert.Contains("SQLSTATE 40P01", context.ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Equal("2", context.HttpContext.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public void Other_errors_keep_their_problem_details_and_get_no_retry_after()
    {
        var context = Describe(new FakeDbException("23505", transient: false), StatusCodes.Status500InternalServerError);
        Assert.Null(context.ProblemDetails.Title);
        Assert.False(context.HttpContext.Response.Headers.ContainsKey("Retry-After"));
    }

    private static ProblemDetailsContext Describe(Exception exception, int status = StatusCodes.Status503ServiceUnavailable)
    {
        var context = new ProblemDetailsContext
        {
            HttpContext = new DefaultHttpContext(),
            ProblemDetails = new ProblemDetails { Status = status },
            Exception = exception,
        };
        DependencyFailures.Describe(context);
        return context;
    }

    private sealed class FakeDbException(string? sqlState, bool transient) : DbException("fake")
    {
        public override string? SqlState => sqlState;

        public override bool IsTransient => transient;
    }
}
