namespace Threadline.Query.Export;

/// <summary>Ordinals of <see cref="AuditSql.EntryColumns"/> that an export writes.</summary>
internal static class ExportColumn
{
    public const int Id = 0;
    public const int TransactionId = 1;
    public const int TableSchema = 2;
    public const int TableName = 3;
    public const int Op = 4;
    public const int RowKey = 5;
    public const int DataAfter = 6;
    public const int ChangedFields = 7;
    public const int DataBefore = 8;
    public const int CapturedAt = 9;
    public const int ActorType = 11;
    public const int ActorId = 12;
    public const int OnBehalfOfType = 13;
    public const int OnBehalfOfId = 14;
    public const int RequestId = 15;
    public const int CorrelationId = 16;
    public const int TraceId = 17;
    public const int JobId = 18;
    public const int Source = 19;
    public const int ActionId = 20;
    public const int ContextRefused = 21;

    /// <summary>The text columns after the JSON ones, in export order (actor_type .. source).</summary>
    public static readonly int[] ContextTexts = [ActorType, ActorId, OnBehalfOfType, OnBehalfOfId, RequestId, CorrelationId, TraceId, JobId, Source];
}
