using System.Data.Common;

namespace Threadline;

/// <summary>A write Threadline refused, found by <see cref="ThreadlineErrors.FindRefusal"/>. Nothing of it was saved.</summary>
/// <param name="Kind">Which refusal it is.</param>
/// <param name="SqlState">The SQLSTATE, one of <see cref="ThreadlineSqlStates"/>.</param>
/// <param name="Exception">The driver's exception that carries it (the outermost one may wrap it).</param>
public sealed record ThreadlineRefusal(ThreadlineRefusalKind Kind, string SqlState, DbException Exception);
