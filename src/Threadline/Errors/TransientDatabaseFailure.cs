using System.Data.Common;

namespace Threadline;

/// <summary>A database failure that retrying later can fix, found by <see cref="ThreadlineErrors.FindTransient"/>.</summary>
/// <param name="Kind">Whether the connection failed or the database rolled the transaction back.</param>
/// <param name="SqlState">The SQLSTATE, or null for a failure of the client's own (socket, stream, timeout).</param>
/// <param name="Exception">The driver's exception that decided it (the outermost one may wrap it).</param>
public sealed record TransientDatabaseFailure(TransientFailureKind Kind, string? SqlState, DbException Exception);
