using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Threadline.Query;

/// <summary>
/// Where a page ended: the capture time and id of its last change. Opaque to clients (base64url); stable because
/// (captured_at, id) is unique and every page is ordered by it.
/// </summary>
/// <param name="CapturedAt">The capture time of the page's last change.</param>
/// <param name="Id">The id of the page's last change.</param>
public sealed record AuditCursor(DateTimeOffset CapturedAt, long Id)
{
    private const string Version = "c1";

    /// <summary>The opaque base64url form handed to clients as the next page's cursor.</summary>
    public string Encode()
    {
        var micros = (CapturedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        return Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Version}.{micros}.{Id}")));
    }

    /// <summary>Reads a cursor produced by <see cref="Encode"/>.</summary>
    /// <param name="value">The cursor as the client sent it back.</param>
    /// <returns>The position to continue after.</returns>
    /// <exception cref="AuditQueryException">The value is not a cursor this version issued (<see cref="AuditQueryError.Malformed"/>, parameter <c>cursor</c>).</exception>
    public static AuditCursor Decode(string value)
    {
        try
        {
            var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(value)).Split('.');
            if (parts.Length == 3 && parts[0] == Version
                && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return new AuditCursor(DateTimeOffset.UnixEpoch.AddTicks(checked(micros * 10)), id);
            }
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
        }

        throw new AuditQueryException(AuditQueryError.Malformed, "cursor", "The cursor is not one this API issued; start again from the first page.");
    }
}
