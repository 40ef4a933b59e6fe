using System.Net;
using System.Net.Sockets;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of a server, for failures only a network produces: it forwards bytes both ways until
/// told to reset every connection it holds (RST, as a dropped route or a crashed host looks to the client), or resets
/// each new connection as soon as it is accepted, or accepts and never answers.
/// </summary>
public sealed class FaultyTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly ProxyMode _mode;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;

    public FaultyTcpProxy(int targetPort, ProxyMode mode)
    {
        _targetPort = targetPort;
        _mode = mode;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public enum ProxyMode
    {
        /// <summary>Forwards until <see cref="ResetAll"/>.</summary>
        Forward,
        /// <summary>Resets each connection as soon as it is accepted.</summary>
        ResetOnAccept,
        /// <summary>Accepts and never sends a byte.</summary>
        Silent,
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Resets every connection the proxy holds, both sides.</summary>
    public void ResetAll()
    {
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                Reset(socket);
            }

            _sockets.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        ResetAll();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            switch (_mode)
            {
                case ProxyMode.ResetOnAccept:
                    Reset(client);
                    break;
                case ProxyMode.Silent:
                    Track(client);
                    break;
                default:
                    var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                    Track(client);
                    Track(server);
                    _ = PumpAsync(client, server);
                    _ = PumpAsync(server, client);
                    break;
            }
        }
    }

    private void Track(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16_384];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read));
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Reset by ResetAll, or by the other side: the other pump sees it too.
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0 makes Close send RST instead of FIN.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
