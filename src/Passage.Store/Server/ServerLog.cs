using Microsoft.Extensions.Logging;
using Passage.Store.Protocol;

namespace Passage.Store.Server;

/// <summary>The wire server's log lines.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Store server listening on {Path}")]
    public static partial void Listening(ILogger logger, string path);

    [LoggerMessage(2, LogLevel.Information, "Store server on {Path} stopped")]
    public static partial void Stopped(ILogger logger, string path);

    [LoggerMessage(3, LogLevel.Warning, "Store connection {Connection} (domain {Domain}) sent a {Type} request of {Length} bytes, over the 4096-byte limit; closing it")]
    public static partial void PayloadTooLarge(ILogger logger, string connection, int domain, XsMessageType type, uint length);

    [LoggerMessage(4, LogLevel.Warning, "Store connection {Connection} (domain {Domain}) does not read its watch events: more than {Limit} bytes queued; closing it")]
    public static partial void EventsNotRead(ILogger logger, string connection, int domain, int limit);

    [LoggerMessage(5, LogLevel.Warning, "Store connection {Connection}: {Count} watch events longer than the payload limit were not sent")]
    public static partial void EventsTooLong(ILogger logger, string connection, int count);

    [LoggerMessage(6, LogLevel.Information, "Store connection {Connection} closed in the middle of a request ({Bytes} bytes unread)")]
    public static partial void ClosedMidFrame(ILogger logger, string connection, long bytes);

    [LoggerMessage(7, LogLevel.Information, "Store connection {Connection} was reset: {Reason}")]
    public static partial void Reset(ILogger logger, string connection, string reason);

    [LoggerMessage(8, LogLevel.Error, "Store connection {Connection} (domain {Domain}) failed and is closed")]
    public static partial void Failed(ILogger logger, Exception exception, string connection, int domain);

    [LoggerMessage(9, LogLevel.Error, "Store connection {Connection}: {Part} failed while it was closing")]
    public static partial void CloseFailed(ILogger logger, Exception exception, string connection, string part);
}
