using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Threadline.Schema;

/// <summary>
/// The audit schema's tables and functions, quoted and schema-qualified, resolved once from a
/// <see cref="ThreadlineSchemaOptions"/>. Every statement Threadline sends, the bridges' included, takes its names from
/// here, so an install under another schema name is used everywhere. Setting names such as <c>threadline.context</c>
/// are not schema objects and stay as they are.
/// </summary>
public sealed class AuditSchemaNames
{
    // One instance per options object: the bridges' static methods resolve the names once, not per call.
    private static readonly ConditionalWeakTable<ThreadlineSchemaOptions, AuditSchemaNames> Resolved = new();

    private readonly ConcurrentDictionary<string, string> _statements = new(StringComparer.Ordinal);

    private AuditSchemaNames(ThreadlineSchemaOptions options)
    {
        Options = options;
        Schema = SqlIdentifier.Quote(options.Schema);
        Transactions = Qualify("transactions");
        Changes = Qualify("changes");
        Actions = Qualify("actions");
        CapturedTables = Qualify("captured_tables");
        Settings = Qualify("settings");
        Seals = Qualify("seals");
        SealBlocks = Qualify("seal_blocks");
        PurgeLog = Qualify("purge_log");
        SchemaVersions = Qualify("schema_versions");
        SetContext = Qualify("set_context");
        RecordAction = Qualify("record_action");
        CurrentTransactionId = Qualify("current_transaction_id");
        CurrentTransactionSummary = Qualify("current_transaction_summary");
        EnsureTransaction = Qualify("ensure_transaction");
        EnsureChangePartitions = Qualify("ensure_change_partitions");
        DropChangePartitionsBefore = Qualify("drop_change_partitions_before");
        Seal = Qualify("seal");
        Sample = Qualify("sample");
        CallSetContextSql = $"CALL {SetContext}($1)";
        RecordActionSql = $"SELECT {RecordAction}(@threadline_action_name, @threadline_action_status, @threadline_action_reason)";
    }

    /// <summary>The names of the default install (schema <c>threadline</c>).</summary>
    public static AuditSchemaNames Default { get; } = For(ThreadlineSchemaOptions.Default);

    public ThreadlineSchemaOptions Options { get; }

    /// <summary>The schema, quoted.</summary>
    public string Schema { get; }

    public string Transactions { get; }

    public string Changes { get; }

    public string Actions { get; }

    public string CapturedTables { get; }

    public string Settings { get; }

    public string Seals { get; }

    public string SealBlocks { get; }

    public string PurgeLog { get; }

    public string SchemaVersions { get; }

    /// <summary>The procedure that hands the audit context over (<see cref="CallSetContextSql"/>).</summary>
    public string SetContext { get; }

    public string RecordAction { get; }

    public string CurrentTransactionId { get; }

    public string CurrentTransactionSummary { get; }

    public string EnsureTransaction { get; }

    public string EnsureChangePartitions { get; }

    public string DropChangePartitionsBefore { get; }

    public string Seal { get; }

    public string Sample { get; }

    /// <summary>
    /// The context hand-over as a procedure call, for prefixing another statement: CALL returns no result set, so the
    /// caller's results are unchanged. One parameter, $1: the context JSON.
    /// </summary>
    public string CallSetContextSql { get; }

    /// <summary>Records a semantic action; parameters threadline_action_name, threadline_action_status, threadline_action_reason.</summary>
    public string RecordActionSql { get; }

    /// <summary>The names for <paramref name="options"/> (the default install when null), resolved once per options object.</summary>
    public static AuditSchemaNames For(ThreadlineSchemaOptions? options)
    {
        options ??= ThreadlineSchemaOptions.Default;
        return Resolved.GetValue(options, static o => new AuditSchemaNames(o));
    }

    /// <summary>A schema object's name, quoted and qualified with the audit schema.</summary>
    public string Qualify(string name) => Schema + "." + SqlIdentifier.Quote(name);

    /// <summary>An embedded statement (Sql/Statements) rendered for this schema, once.</summary>
    internal string Statement(string name) => _statements.GetOrAdd(name, n => SqlStatements.Render(n, Options));
}
