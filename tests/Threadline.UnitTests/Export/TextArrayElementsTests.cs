using System.Buffers.Binary;
using System.Text;
using Threadline.Query.Export;

namespace Threadline.UnitTests.Export;

/// <summary>
/// <see cref="TextArrayElements"/> against PostgreSQL's binary array format (array_send): elements and NULLs in
/// order, empty arrays, and a clear error for a value that is not a one-dimensional array or whose lengths do not
/// add up. The bytes from a real server are compared end to end in the integration tests (ExportBytesTests).
/// </summary>
public sealed class TextArrayElementsTests
{
    private const int TextOid = 25;

    [Fact]
    public void Elements_come_in_order_with_nulls_and_empty_strings_told_apart()
    {
        var raw = OneDimensional(["id", null, "", "é 🎉", "a,b \"c\""]);

        Assert.Equal(["id", null, "", "é 🎉", "a,b \"c\""], Read(raw));
    }

    [Fact]
    public void An_empty_array_has_no_elements()
    {
        // array_send of '{}': no dimensions, no null bitmap, the element type, nothing else.
        var raw = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(8), TextOid);

        Assert.Empty(Read(raw));
    }

    [Fact]
    public void A_two_dimensional_array_is_refused_by_name()
    {
        var raw = OneDimensional(["a", "b", "c", "d"]);
        BinaryPrimitives.WriteInt32BigEndian(raw, 2);

        var error = Assert.Throws<InvalidDataException>(() => Read(raw));
        Assert.Contains("2-dimensional", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(19)]
    public void A_value_cut_inside_its_header_is_refused(int length)
    {
        var raw = OneDimensional(["a"]).AsSpan(0, length).ToArray();

        Assert.Throws<InvalidDataException>(() => Read(raw));
    }

    [Fact]
    public void An_element_longer_than_the_value_is_refused()
    {
        var raw = OneDimensional(["abc"]);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(20), 4);

        Assert.Throws<InvalidDataException>(() => Read(raw));
    }

    [Fact]
    public void Bytes_after_the_last_element_are_refused()
    {
        var raw = OneDimensional(["abc"]).Concat(new byte[] { 0 }).ToArray();

        Assert.Throws<InvalidDataException>(() => Read(raw));
    }

    [Fact]
    public void Fewer_elements_than_the_dimension_says_are_refused()
    {
        var raw = OneDimensional(["a", "b"]);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(12), 3);

        Assert.Throws<InvalidDataException>(() => Read(raw));
    }

    private static List<string?> Read(byte[] raw)
    {
        var elements = new List<string?>();
        var reader = new TextArrayElements(raw);
        while (reader.MoveNext())
        {
            elements.Add(reader.CurrentIsNull ? null : Encoding.UTF8.GetString(reader.Current));
        }

        return elements;
    }

    /// <summary>What PostgreSQL's array_send writes for a one-dimensional text[] with lower bound 1.</summary>
    private static byte[] OneDimensional(string?[] elements)
    {
        using var bytes = new MemoryStream();
        void Int(int value)
        {
            Span<byte> four = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(four, value);
            bytes.Write(four);
        }

        Int(1);
        Int(elements.Contains(null) ? 1 : 0);
        Int(TextOid);
        Int(elements.Length);
        Int(1);
        foreach (var element in elements)
        {
            if (element is null)
            {
                Int(-1);
                continue;
            }

            var utf8 = Encoding.UTF8.GetBytes(element);
            Int(utf8.Length);
            bytes.Write(utf8);
        }

        return bytes.ToArray();
    }
}
