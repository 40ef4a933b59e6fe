using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Threadline.Operations;
using Threadline.Schema;

namespace Threadline.AspNetCore;

/// <summary>
/// Reports capture coverage as health: Unhealthy when a required table is not (or wrongly) captured, Degraded when
/// only other captured tables have problems. Results are cached briefly, since health endpoints are polled often.
/// Needs catalog access and SELECT on captured_tables, which the writer and reader roles have.
/// </summary>
/// <param name="connectionString">Gives the connection string at each check (a role that can read the catalog and <c>captured_tables</c>).</param>
/// <param name="expectation">The tables that must be captured.</param>
/// <param name="cacheFor">How long a result is reused before the database is asked again.</param>
/// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
public sealed class ThreadlineCoverageHealthCheck(Func<string> connectionString, CoverageExpectation expectation, TimeSpan cacheFor, ThreadlineSchemaOptions? schema = null) : IHealthCheck
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTime At, HealthCheckResult Result)? _last;

    /// <summary>
    /// Returns the cached result while it is younger than the cache period; otherwise opens a connection, compares the
    /// captured tables with the expectation and caches the answer. Concurrent calls share one database check.
    /// </summary>
    /// <param name="context">The registration being checked (not used).</param>
    /// <param name="cancellationToken">Cancels the wait and the database check.</param>
    /// <returns>
    /// Healthy when every required table is captured, Degraded when only tables that are not required have problems, and
    /// Unhealthy when a required table is not captured correctly or the database cannot be reached; the data lists each problem.
    /// </returns>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_last is { } last && DateTime.UtcNow - last.At < cacheFor)
            {
                return last.Result;
            }

            var result = await CheckNowAsync(cancellationToken).ConfigureAwait(false);
            _last = (DateTime.UtcNow, result);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<HealthCheckResult> CheckNowAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString());
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var report = await new CoverageChecker(schema).CheckAsync(connection, expectation, cancellationToken).ConfigureAwait(false);
            var problems = report.Findings.Where(f => f.IsProblem).ToArray();
            // One entry per table and status: a table can have several findings of one status (a ColumnDrift per column).
            var data = problems.GroupBy(f => f.Table + " " + f.Status)
                .ToDictionary(g => g.Key, g => (object)string.Join("; ", g.Select(f => f.Detail)));
            data["covered"] = report.Findings.Count(f => f.Status == CoverageStatus.Covered);
            if (!report.RequiredHealthy)
            {
                var required = problems.Where(f => report.RequiredTables.Contains(f.Table)).Select(f => $"{f.Table}: {f.Status}");
                return HealthCheckResult.Unhealthy($"Audit capture is missing or broken on required tables: {string.Join("; ", required)}", data: data);
            }

            return problems.Length > 0
                ? HealthCheckResult.Degraded($"{problems.Length} capture problems on tables that are not required.", data: data)
                : HealthCheckResult.Healthy("Every required table is captured.", data);
        }
        catch (NpgsqlException ex)
        {
            return HealthCheckResult.Unhealthy("Could not check audit capture coverage: the database is unreachable.", ex);
        }
    }
}

/// <summary>Adds Threadline's capture coverage check to ASP.NET Core health checks.</summary>
public static class ThreadlineHealthCheckExtensions
{
    /// <summary>Adds the capture coverage check ("threadline-coverage") for the tables in <paramref name="expectation"/>.</summary>
    public static IHealthChecksBuilder AddThreadlineCoverage(
        this IHealthChecksBuilder builder, CoverageExpectation expectation, Func<IServiceProvider, string> connectionString, TimeSpan? cacheFor = null, ThreadlineSchemaOptions? schema = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(expectation);
        return builder.Add(new HealthCheckRegistration(
            "threadline-coverage",
            services => new ThreadlineCoverageHealthCheck(() => connectionString(services), expectation, cacheFor ?? TimeSpan.FromSeconds(30), schema),
            HealthStatus.Unhealthy,
            ["threadline"]));
    }
}
