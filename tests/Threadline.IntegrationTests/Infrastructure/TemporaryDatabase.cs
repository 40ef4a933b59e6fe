using Npgsql;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>A fresh, empty database on the platform's PostgreSQL (direct, superuser), dropped on dispose.</summary>
public sealed class TemporaryDatabase : IAsyncDisposable
{
    private readonly TopologyFixture _platform;

    private TemporaryDatabase(TopologyFixture platform, string name, string connectionString)
    {
        _platform = platform;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<TemporaryDatabase> CreateAsync(TopologyFixture platform, string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        await using (var admin = await platform.OpenDirectAsync())
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {SqlIdentifier.Quote(name)}", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(platform.DirectConnectionString) { Database = name, Pooling = false };
        return new TemporaryDatabase(platform, name, builder.ConnectionString);
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await using var admin = await _platform.OpenDirectAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {SqlIdentifier.Quote(Name)} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
