using System.Buffers;
using System.Text;
using Passage.Store.Engine;
using Passage.Store.Protocol;

namespace Passage.Store.Tests.Support;

/// <summary>A connection to an engine that builds real request frames' payloads and decodes the replies.</summary>
internal sealed class TestClient : IDisposable
{
    private readonly IStoreSession _session;
    private uint _requestId = 100;

    public TestClient(StoreEngine engine, int domainId)
    {
        Sink = new RecordingSink();
        _session = engine.Open(domainId, Sink);
    }

    public RecordingSink Sink { get; }

    public IStoreSession Session => _session;

    /// <summary>The ticket the last request returned.</summary>
    public long LastTicket { get; private set; }

    /// <summary>Payload of NUL-terminated strings.</summary>
    public static byte[] Strings(params string[] args) => Encoding.ASCII.GetBytes(string.Concat(args.Select(a => a + "\0")));

    /// <summary>Sends one request and returns every frame written, checking the reply's ids.</summary>
    public List<Frame> SendAll(XsMessageType type, ReadOnlySpan<byte> payload, uint transactionId = 0)
    {
        uint requestId = ++_requestId;
        var output = new ArrayBufferWriter<byte>();
        LastTicket = _session.Handle(new XsHeader(type, requestId, transactionId, (uint)payload.Length), payload, output);
        List<Frame> frames = Frame.Split(output.WrittenSpan);
        Assert.NotEmpty(frames);
        Assert.Equal(requestId, frames[0].Header.RequestId);
        Assert.Equal(transactionId, frames[0].Header.TransactionId);
        Assert.True(frames[0].Header.Type == type || frames[0].Header.Type == XsMessageType.Error, $"reply type {frames[0].Header.Type} to {type}");
        return frames;
    }

    /// <summary>Sends one request that must produce exactly one frame.</summary>
    public Frame Send(XsMessageType type, ReadOnlySpan<byte> payload, uint transactionId = 0)
    {
        List<Frame> frames = SendAll(type, payload, transactionId);
        Assert.Single(frames);
        return frames[0];
    }

    public Frame Call(XsMessageType type, uint transactionId, params string[] args) => Send(type, Strings(args), transactionId);

    public Frame Call(XsMessageType type, params string[] args) => Send(type, Strings(args));

    public StoreError Error(XsMessageType type, uint transactionId, params string[] args) => Call(type, transactionId, args).Error;

    public string Read(string path, uint transactionId = 0)
    {
        Frame reply = Call(XsMessageType.Read, transactionId, path);
        Assert.Equal(StoreError.None, reply.Error);
        return Encoding.ASCII.GetString(reply.Payload);
    }

    public StoreError ReadError(string path, uint transactionId = 0) => Call(XsMessageType.Read, transactionId, path).Error;

    public Frame WriteFrame(string path, string value, uint transactionId = 0) =>
        Send(XsMessageType.Write, [.. Strings(path), .. Encoding.ASCII.GetBytes(value)], transactionId);

    public StoreError TryWrite(string path, string value, uint transactionId = 0) => WriteFrame(path, value, transactionId).Error;

    public void Write(string path, string value, uint transactionId = 0) => Assert.Equal(StoreError.None, TryWrite(path, value, transactionId));

    public StoreError Mkdir(string path, uint transactionId = 0) => Error(XsMessageType.Mkdir, transactionId, path);

    public StoreError Rm(string path, uint transactionId = 0) => Error(XsMessageType.Rm, transactionId, path);

    public StoreError SetPerms(string path, params string[] permissions) => Error(XsMessageType.SetPerms, 0, [path, .. permissions]);

    public StoreError SetPermsIn(uint transactionId, string path, params string[] permissions) => Error(XsMessageType.SetPerms, transactionId, [path, .. permissions]);

    public string GetPerms(string path, uint transactionId = 0)
    {
        Frame reply = Call(XsMessageType.GetPerms, transactionId, path);
        Assert.Equal(StoreError.None, reply.Error);
        return reply.Text;
    }

    public string[] Directory(string path, uint transactionId = 0)
    {
        Frame reply = Call(XsMessageType.Directory, transactionId, path);
        Assert.Equal(StoreError.None, reply.Error);
        return reply.Payload.Length == 0 ? [] : Encoding.ASCII.GetString(reply.Payload, 0, reply.Payload.Length - 1).Split('\0');
    }

    public uint Start()
    {
        Frame reply = Send(XsMessageType.TransactionStart, "\0"u8);
        Assert.Equal(StoreError.None, reply.Error);
        Assert.Equal(0, reply.Payload[^1]);
        return uint.Parse(Encoding.ASCII.GetString(reply.Payload, 0, reply.Payload.Length - 1), System.Globalization.CultureInfo.InvariantCulture);
    }

    public StoreError Commit(uint transactionId) => Send(XsMessageType.TransactionEnd, "T\0"u8, transactionId).Error;

    public StoreError Abort(uint transactionId) => Send(XsMessageType.TransactionEnd, "F\0"u8, transactionId).Error;

    /// <summary>Registers a watch; returns the initial event frame after checking the OK.</summary>
    public StoreError Watch(string path, string token, string? depth = null)
    {
        List<Frame> frames = SendAll(XsMessageType.Watch, depth is null ? Strings(path, token) : Strings(path, token, depth));
        if (frames[0].Error != StoreError.None)
        {
            Assert.Single(frames);
            return frames[0].Error;
        }

        Assert.Equal(2, frames.Count);
        Assert.Equal("OK|", frames[0].Text);
        Assert.Equal(XsMessageType.WatchEvent, frames[1].Header.Type);
        Assert.Equal(0u, frames[1].Header.RequestId);
        Assert.Equal(0u, frames[1].Header.TransactionId);
        Assert.Equal($"{path}|{token}|", frames[1].Text);
        return StoreError.None;
    }

    public StoreError Unwatch(string path, string token) => Error(XsMessageType.Unwatch, 0, path, token);

    public void Dispose() => _session.Dispose();
}
