using System.Buffers;
using System.Text.Json;

namespace Threadline.Query.Export;

/// <summary>
/// Copies a JSON text into a <see cref="Utf8JsonWriter"/> token by token, without building a document: the bytes
/// are those <see cref="JsonElement.WriteTo"/> writes for the same text (compact, strings unescaped and escaped
/// again by the writer's encoder, numbers as written).
/// </summary>
internal static class JsonTokenCopier
{
    /// <summary>
    /// Deeper than a <see cref="JsonDocument"/>'s default 64 levels: the export copies what the database holds
    /// rather than failing on a deep image (PostgreSQL's own limit is its stack depth, far below this).
    /// </summary>
    public const int MaxDepth = 100_000;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    public static void Copy(ReadOnlySpan<byte> json, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        byte[]? rented = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        writer.WritePropertyName(Unescaped(ref reader, ref rented));
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(Unescaped(ref reader, ref rented));
                        break;
                    case JsonTokenType.Number:
                        // As written, like JsonElement.WriteTo; the reader has already checked it is a JSON number.
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True:
                        writer.WriteBooleanValue(true);
                        break;
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(false);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                    default:
                        throw new JsonException($"Unexpected JSON token {reader.TokenType} in an audit value.");
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The string's UTF-8 value with JSON escapes resolved (the writer escapes it again its own way).</summary>
    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[]? rented)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        // Unescaping never lengthens a string.
        var length = reader.ValueSpan.Length;
        if (rented is null || rented.Length < length)
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            rented = ArrayPool<byte>.Shared.Rent(length);
        }

        var written = reader.CopyString(rented);
        return rented.AsSpan(0, written);
    }
}
