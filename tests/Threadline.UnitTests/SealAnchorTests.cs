using Threadline.Operations.Integrity;

namespace Threadline.UnitTests;

/// <summary>An anchor survives the round trip through its JSON, and a damaged one is refused with the reason.</summary>
public sealed class SealAnchorTests
{
    private static readonly SealAnchor Anchor = new(SealAnchor.CurrentFormat, "threadline", 42, new DateTimeOffset(2026, 11, 30, 5, 0, 0, TimeSpan.Zero),
        new string('a', 64), 10, 30, 2);

    [Fact]
    public void An_anchor_round_trips_through_its_json()
    {
        var json = Anchor.ToJson();

        Assert.Contains("\"sealId\": 42", json, StringComparison.Ordinal);
        Assert.Equal(Anchor, SealAnchor.Parse(json));
    }

    [Theory]
    [InlineData("not json", "not valid anchor JSON")]
    [InlineData("""{"format":"other/1","sealId":1,"hash":"aa"}""", "\"format\" must be")]
    [InlineData("""{"format":"threadline-seal-anchor/1","sealId":0,"hash":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", "\"sealId\" of 1 or more")]
    [InlineData("""{"format":"threadline-seal-anchor/1","sealId":3,"hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""", "64 lower-case hex digits")]
    public void A_damaged_anchor_is_refused_saying_why(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => SealAnchor.Parse(json));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
