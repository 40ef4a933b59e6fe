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
        BeginChange = Qualify("begin_change");
        Tables = Qualify("tables");
        EnsureChangePartitions = Qualify("ensure_change_partitions");
        DropChangePartitionsBefore = Qualify("drop_change_partitions_before");
        Seal = Qualify("seal");
        Sample = Qualify("sample");
        CallSetContextSql = $"CALL {SetContext}($1)";
        RecordActionSql = $"SELECT {RecordAction}(@threadline_action_name, @threadline_action_status, @threadline_action_reason)";
    }

    /// <summary>The names of the default install (schema <c>threadline</c>).</summary>
    public static AuditSchemaNames Default { get; } = For(ThreadlineSchemaOptions.Default);

    /// <summary>The options these names were resolved from.</summary>
    public ThreadlineSchemaOptions Options { get; }

    /// <summary>The schema, quoted.</summary>
    public string Schema { get; }

    /// <summary><c>transactions</c>: a view over the heads of <c>changes</c>, one row per audited database transaction (who, why, when).</summary>
    public string Transactions { get; }

    /// <summary>
    /// <c>changes</c>: one row per captured row change; the first change of a transaction (its head, <c>id = tx_id</c>)
    /// carries the transaction's context.
    /// </summary>
    public string Changes { get; }

    /// <summary><c>tables</c>: the registry of table ids that changes name their table by; it outlives capture.</summary>
    public string Tables { get; }

    /// <summary><c>actions</c>: the semantic actions recorded with <c>record_action</c>.</summary>
    public string Actions { get; }

    /// <summary><c>captured_tables</c>: the tables under capture and their options.</summary>
    public string CapturedTables { get; }

    /// <summary><c>settings</c>: the install-wide settings row.</summary>
    public string Settings { get; }

    /// <summary><c>seals</c>: the tamper-evidence chain.</summary>
    public string Seals { get; }

    /// <summary><c>seal_blocks</c>: the per-block digests of each seal.</summary>
    public string SealBlocks { get; }

    /// <summary><c>purge_log</c>: what retention and partition drops removed.</summary>
    public string PurgeLog { get; }

    /// <summary><c>schema_versions</c>: the applied migrations.</summary>
    public string SchemaVersions { get; }

    /// <summary>The procedure that hands the audit context over (<see cref="CallSetContextSql"/>).</summary>
    public string SetContext { get; }

    /// <summary>The function that records a semantic action in the current transaction (<see cref="RecordActionSql"/>).</summary>
    public string RecordAction { get; }

    /// <summary>The function that returns the current transaction's audit transaction id, if it wrote audited rows.</summary>
    public string CurrentTransactionId { get; }

    /// <summary>The function that summarises the current transaction's audited writes (the audit span).</summary>
    public string CurrentTransactionSummary { get; }

    /// <summary>The capture's function that starts or continues the current transaction's audit record (its head change).</summary>
    public string BeginChange { get; }

    /// <summary>The function that creates change partitions ahead (partition mode).</summary>
    public string EnsureChangePartitions { get; }

    /// <summary>The function that drops whole change partitions older than a cutoff (partition mode).</summary>
    public string DropChangePartitionsBefore { get; }

    /// <summary>The function that writes the next tamper-evidence seal.</summary>
    public string Seal { get; }

    /// <summary>The bounded aggregate the completeness check samples unaudited rows with.</summary>
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
