namespace Threadline.Schema;

/// <summary>
/// The fixed statements kept as reviewable .sql files (Sql/Statements, embedded), rendered with the placeholders of the
/// migrations ({{schema}}, {{owner}}, ...). Not named like migrations, so the installer never runs them.
/// </summary>
internal static class SqlStatements
{
    private const string Prefix = "Threadline.Sql.Statements.";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Templates = new(Load);

    /// <summary>The statement names (file names without .sql).</summary>
    public static IEnumerable<string> Names => Templates.Value.Keys;

    /// <summary>The template as stored, placeholders unrendered.</summary>
    public static string Template(string name) =>
        Templates.Value.TryGetValue(name, out var sql)
            ? sql
            : throw new ArgumentException($"There is no embedded statement Sql/Statements/{name}.sql.", nameof(name));

    public static string Render(string name, ThreadlineSchemaOptions options) => options.Render(Template(name));

    private static Dictionary<string, string> Load()
    {
        var assembly = typeof(SqlStatements).Assembly;
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal) && r.EndsWith(".sql", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            templates[resource[Prefix.Length..^".sql".Length]] = reader.ReadToEnd();
        }

        return templates;
    }
}
