using Passage.Store.Protocol;

namespace Passage.Store.Client;

/// <summary>A reply as it came off the wire: its type (the request's, or ERROR), transaction id and payload.</summary>
public sealed record StoreReply(XsMessageType Type, uint TransactionId, byte[] Payload)
{
    /// <summary>True for an ERROR reply.</summary>
    public bool IsError => Type == XsMessageType.Error;

    /// <summary>The error an ERROR reply names (unlisted names read as EINVAL), else <see cref="StoreError.None"/>.</summary>
    public StoreError Error => IsError ? XsErrorNames.FromPayload(Payload) : StoreError.None;
}
