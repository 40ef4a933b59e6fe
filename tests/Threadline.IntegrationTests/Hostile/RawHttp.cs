using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Threadline.IntegrationTests.Hostile;

/// <summary>
/// Sends bytes HttpClient refuses to send (literal dot segments, NUL, malformed request lines and framing) over a
/// plain loopback socket and reads the one response Kestrel gives before it closes the connection.
/// </summary>
public static class RawHttp
{
    public static async Task<HostileResponse> SendAsync(Uri endpoint, byte[] request, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(endpoint.Host, out var address))
        {
            address = (await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken)).First(IPAddress.IsLoopback);
        }

        if (!IPAddress.IsLoopback(address))
        {
            throw new InvalidOperationException($"Hostile traffic goes to loopback only, not {endpoint}.");
        }

        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address, endpoint.Port, cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            // No half-close: Kestrel takes a client's FIN as the end of the connection and would answer nothing.
            await stream.WriteAsync(request, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
        catch (IOException)
        {
            // Kestrel may answer and close before it has read everything; the response is still there to read.
        }

        // Until the first response is complete, the connection closes, or Kestrel has said nothing for a while
        // (a request it is still waiting to see the end of).
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (!IsComplete(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            {
                quiet.CancelAfter(TimeSpan.FromSeconds(15));
                var read = await stream.ReadAsync(chunk, quiet.Token);
                if (read == 0)
                {
                    break;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A reset or silence: keep what arrived.
        }

        return Parse(buffer.ToArray());
    }

    /// <summary>Whether <paramref name="bytes"/> hold a whole response (headers, then its Content-Length or last chunk).</summary>
    private static bool IsComplete(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            return false;
        }

        var head = text[..headerEnd];
        var length = head.Split("\r\n").Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            return bytes.Length - headerEnd - 4 >= long.Parse(length[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
        }

        // No framing: a bodiless status (1xx, 204, 304) is complete; anything else runs until the connection closes.
        return text.StartsWith("HTTP/1.1 204", StringComparison.Ordinal) || text.StartsWith("HTTP/1.1 304", StringComparison.Ordinal);
    }

    /// <summary>The bytes of an ordinary request, for targets too long for <see cref="Uri"/> (which stops near 64 KB).</summary>
    public static byte[] Build(string method, string target, IEnumerable<KeyValuePair<string, string>> headers, byte[]? body, string? contentType)
    {
        var head = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: localhost\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (contentType is not null)
        {
            head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(body?.Length ?? 0).Append("\r\n\r\n");
        return [.. Encoding.UTF8.GetBytes(head.ToString()), .. body ?? []];
    }

    /// <summary>Parses the first response; a chunked body is de-chunked so its text can be searched.</summary>
    public static HostileResponse Parse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/", StringComparison.Ordinal) || headerEnd < 0)
        {
            return new HostileResponse(0, null, text, null, [], $"no HTTP response ({bytes.Length} bytes)");
        }

        var lines = text[..headerEnd].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .Select(p => (Name: p[0].Trim(), Value: p[1].Trim()))
            .ToArray();
        string? Header(string name) => headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        var body = text[(headerEnd + 4)..];
        if (Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            body = Dechunk(body);
        }

        var mediaType = Header("Content-Type")?.Split(';')[0].Trim();
        return new HostileResponse(status, mediaType, body, Header("Location"), headers.Select(h => h.Name + ": " + h.Value).ToArray(), null);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(body.AsSpan(position, lineEnd - position).ToString().Split(';')[0], System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }

            var start = lineEnd + 2;
            result.Append(body, start, Math.Min(size, body.Length - start));
            position = start + size + 2;
        }

        return result.ToString();
    }
}
