namespace Threadline.Schema;

/// <summary>Where the audit tables live and which roles own, read, purge and write them.</summary>
public sealed record ThreadlineSchemaOptions
{
    /// <summary>Schema <c>threadline</c> with the roles <c>threadline_owner</c>, <c>threadline_reader</c>, <c>threadline_retention</c> and <c>threadline_writer</c>.</summary>
    public static ThreadlineSchemaOptions Default { get; } = new();

    /// <summary>The dedicated schema of the audit tables.</summary>
    public string Schema { get; init; } = "threadline";

    /// <summary>Owns the audit tables and the capture functions (which run as this role). Never a login role.</summary>
    public string OwnerRole { get; init; } = "threadline_owner";

    /// <summary>Investigation: may read audit tables, nothing else.</summary>
    public string ReaderRole { get; init; } = "threadline_reader";

    /// <summary>Retention: may read and delete audit rows.</summary>
    public string RetentionRole { get; init; } = "threadline_retention";

    /// <summary>Application roles join this group: they may record actions and read their transaction id, but not touch audit rows.</summary>
    public string WriterRole { get; init; } = "threadline_writer";

    internal IReadOnlyDictionary<string, string> Placeholders() => new Dictionary<string, string>
    {
        ["{{schema}}"] = SqlIdentifier.Quote(Schema),
        // The bare name, for use inside a SQL string literal (format('%I', ...) quotes it at run time).
        ["{{schema_name}}"] = Schema.Replace("'", "''", StringComparison.Ordinal),
        ["{{owner}}"] = SqlIdentifier.Quote(OwnerRole),
        ["{{reader}}"] = SqlIdentifier.Quote(ReaderRole),
        ["{{retention}}"] = SqlIdentifier.Quote(RetentionRole),
        ["{{writer}}"] = SqlIdentifier.Quote(WriterRole),
    };

    internal string Render(string sql)
    {
        foreach (var (key, value) in Placeholders())
        {
            sql = sql.Replace(key, value, StringComparison.Ordinal);
        }

        return sql;
    }
}
