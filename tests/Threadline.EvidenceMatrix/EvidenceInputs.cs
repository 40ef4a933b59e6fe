using System.Text.Json;

namespace Threadline.EvidenceMatrix;

/// <summary>A path as declared in tests/Threadline.IntegrationTests/Evidence/AuditedPaths.cs.</summary>
public sealed record DeclaredPath(string Id, string Path, string Kind, string Service, string Description, string? NotApplicable, IReadOnlyList<string> Sources)
{
    public bool InScope => NotApplicable is null;
}

/// <summary>A <c>[ProvesPath]</c> on a test method.</summary>
public sealed record PathProof(string Path, string ClassName, string MethodName);

/// <summary>A <c>[ProvesTopology]</c> on a test method.</summary>
public sealed record TestMethodRef(string ClassName, string MethodName);

/// <summary>audited-paths.json, exported by DeclaredPathsTests in the integration test run.</summary>
public sealed record Declarations(
    int Schema, DateTimeOffset ExportedAt, string Assembly, IReadOnlyList<DeclaredPath> Paths,
    IReadOnlyList<PathProof> Proofs, IReadOnlyList<TestMethodRef> TopologyProofs)
{
    public const string FileName = "audited-paths.json";

    /// <summary>The test that writes this file; the generator trusts the file only if that test passed in the run it reads.</summary>
    public static readonly TestMethodRef ExportTest = new("Threadline.IntegrationTests.Evidence.DeclaredPathsTests", "The_declarations_and_proofs_are_exported_for_the_evidence_matrix");
}

/// <summary>host-topology.json, written by HostTopologyEvidenceTests from the running platform.</summary>
public sealed record HostTopology(
    int Schema, DateTimeOffset ProbedAt, string Runtime, string Harness, string Chain, PoolerFacts Pooler, PostgresFacts Postgres, NpgsqlFacts Npgsql)
{
    public const string FileName = "host-topology.json";

    public static readonly TestMethodRef ProbeTest = new("Threadline.IntegrationTests.Evidence.HostTopologyEvidenceTests", "The_running_pooler_and_the_services_connection_settings_are_recorded_for_the_host_topology_row");
}

public sealed record PoolerFacts(
    string Product, string Version, string VersionSource, string PoolMode, IReadOnlyDictionary<string, string> Settings, string ConfigSource,
    AdminConsoleFacts AdminConsole);

public sealed record AdminConsoleFacts(string User, bool Reachable, string Detail);

public sealed record PostgresFacts(string Version);

public sealed record NpgsqlFacts(string Version, IReadOnlyList<NpgsqlClient> Clients);

public sealed record NpgsqlClient(
    string Service, string Database, string User, bool ThroughPooler, bool Pooling, int MinPoolSize, int MaxPoolSize,
    bool NoResetOnClose, int MaxAutoPrepare, string Source);

public static class EvidenceJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // A field the generator needs that the export lacks is an error, not a silent null.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static T Read<T>(string path) =>
        JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) ?? throw new InvalidDataException($"{path} is empty.");

    public static T Parse<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException("empty JSON");
}
