namespace Threadline;

internal static class AuditText
{
    /// <summary>Rejects values that would be unreadable or unsafe in audit rows: too long, control characters, NUL.</summary>
    public static void Validate(string value, string what, int maxLength)
    {
        if (value.Length > maxLength)
        {
            throw new AuditContextException($"The {what} is {value.Length} characters long; the limit is {maxLength}.");
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                throw new AuditContextException($"The {what} contains a control character (U+{(int)c:X4}).");
            }
        }
    }

    /// <summary>Shortens a caller's value for an error message, so a huge or hostile input is not echoed in full.</summary>
    public static string Truncate(string value, int max = 40) => value.Length <= max ? value : value[..max] + "…";
}
