using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Threadline.Hosting;

/// <summary>Healthy when a connection opens and answers <c>SELECT 1</c>.</summary>
internal sealed class NpgsqlHealthCheck(Func<CancellationToken, ValueTask<string?>> connectionString) : IHealthCheck
{
    /// <summary>Registers, under <paramref name="key"/>, a check that logs in with <paramref name="resource"/>'s connection string.</summary>
    public static void Register(IServiceCollection services, string key, IResourceWithConnectionString resource) =>
        Register(services, key, ct => resource.ConnectionStringExpression.GetValueAsync(ct));

    /// <summary>Registers, under <paramref name="key"/>, a check that logs in with the connection string <paramref name="connectionString"/> gives at check time.</summary>
    public static void Register(IServiceCollection services, string key, Func<CancellationToken, ValueTask<string?>> connectionString) =>
        services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new NpgsqlHealthCheck(connectionString), HealthStatus.Unhealthy, tags: null));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var value = await connectionString(cancellationToken).ConfigureAwait(false);
            await using var connection = new NpgsqlConnection(value + ";Pooling=false;Timeout=3");
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }
    }
}
