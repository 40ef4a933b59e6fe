using System.Text.Json;
using System.Text.Json.Serialization;

namespace Threadline.Operations.Integrity;

/// <summary>
/// The latest seal, exported out of the database's reach (a ticket, another system, a signed log). A superuser can
/// rewrite rows and seals alike; they cannot rewrite this copy, so verify against it catches a rewritten chain.
/// Row counts are totals over the chain up to this seal.
/// </summary>
/// <param name="Format">Always <see cref="CurrentFormat"/>; lets a reader refuse a format it does not know.</param>
/// <param name="Schema">The audit schema the seal belongs to.</param>
/// <param name="SealId">The anchored seal's id.</param>
/// <param name="SealedAt">When the anchored seal was written.</param>
/// <param name="Hash">The anchored seal's chained SHA-256, 64 lower-case hex digits.</param>
/// <param name="Transactions">Transaction rows sealed over the chain up to this seal.</param>
/// <param name="Changes">Change rows sealed over the chain up to this seal.</param>
/// <param name="PurgeEntries">Purge-log rows sealed over the chain up to this seal.</param>
public sealed record SealAnchor(
    string Format,
    string Schema,
    long SealId,
    DateTimeOffset SealedAt,
    string Hash,
    long Transactions,
    long Changes,
    long PurgeEntries)
{
    /// <summary>The format marker this version writes and accepts.</summary>
    public const string CurrentFormat = "threadline-seal-anchor/1";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The anchor as indented JSON with camelCase names, the form <see cref="Parse"/> reads back.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads an anchor; throws <see cref="FormatException"/> saying what is wrong with it.</summary>
    public static SealAnchor Parse(string json)
    {
        SealAnchor? anchor;
        try
        {
            anchor = JsonSerializer.Deserialize<SealAnchor>(json, Options);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not valid anchor JSON ({ex.Message})", ex);
        }

        if (anchor is null || anchor.Format != CurrentFormat)
        {
            throw new FormatException($"\"format\" must be \"{CurrentFormat}\"");
        }

        if (anchor.SealId < 1 || anchor.Hash is not { Length: 64 } || !anchor.Hash.All(char.IsAsciiHexDigitLower))
        {
            throw new FormatException("it needs a \"sealId\" of 1 or more and a \"hash\" of 64 lower-case hex digits");
        }

        return anchor;
    }

    /// <summary>One line for people: seal id, time and hash. Not part of the JSON.</summary>
    [JsonIgnore]
    public string Summary => $"seal {SealId} of {SealedAt:u}, hash {Hash}";
}
