using Npgsql;

namespace Threadline;

/// <summary>Statements that return nothing, run in the caller's transaction.</summary>
internal static class NpgsqlExecution
{
    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
