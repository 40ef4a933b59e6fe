namespace Threadline.IntegrationTests.Evidence;

/// <summary>
/// On an integration test: this test proves the declared path (one of the <see cref="AuditedPaths"/> constants). An
/// in-scope path is OK in <c>docs/stg-evidence.md</c> only when every test that proves it passed in the run; on a
/// read-only (N/A) path the tests are listed as the ones that exercise it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ProvesPathAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

/// <summary>
/// On an integration test: this test is evidence for the host topology row (app → Npgsql → PgBouncer in transaction
/// mode → PostgreSQL) of <c>docs/stg-evidence.md</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ProvesTopologyAttribute : Attribute;
