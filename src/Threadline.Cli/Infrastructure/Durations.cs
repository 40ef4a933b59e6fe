using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Threadline.Cli;

/// <summary>Durations written as a number and a unit, or several: 90d, 12h, 30m, 45s, 500ms, 2w, 1d12h.</summary>
internal static partial class Durations
{
    public const string Syntax = "a number and a unit (w, d, h, m, s, ms), e.g. 90d, 12h, 30m or 1d12h";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text) || !Whole().IsMatch(text))
        {
            return false;
        }

        try
        {
            foreach (Match part in Part().Matches(text))
            {
                var number = long.Parse(part.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
                value += part.Groups[2].Value switch
                {
                    "w" => TimeSpan.FromDays(number * 7),
                    "d" => TimeSpan.FromDays(number),
                    "h" => TimeSpan.FromHours(number),
                    "m" => TimeSpan.FromMinutes(number),
                    "s" => TimeSpan.FromSeconds(number),
                    _ => TimeSpan.FromMilliseconds(number),
                };
            }
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
        {
            return false;
        }

        return true;
    }

    /// <summary>The shortest exact form: 90d, 36h, 1d30m.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        if (value < TimeSpan.Zero)
        {
            text.Append('-');
            value = value.Negate();
        }

        Append(value.Days, "d");
        Append(value.Hours, "h");
        Append(value.Minutes, "m");
        Append(value.Seconds, "s");
        Append(value.Milliseconds, "ms");
        return text.ToString();

        void Append(int amount, string unit)
        {
            if (amount != 0)
            {
                text.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }
    }

    [GeneratedRegex(@"^(?:\d+(?:ms|w|d|h|m|s))+$")]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d+)(ms|w|d|h|m|s)")]
    private static partial Regex Part();
}
