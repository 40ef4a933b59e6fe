namespace Threadline.Benchmarks.Investigation;

/// <summary>How long one database took to load and vacuum, and how big its audit tables came out (heap, indexes and TOAST).</summary>
public sealed record InvestigationLoad(InvestigationSchema Schema, TimeSpan Load, TimeSpan Vacuum, long ChangesBytes, long TransactionsBytes);
