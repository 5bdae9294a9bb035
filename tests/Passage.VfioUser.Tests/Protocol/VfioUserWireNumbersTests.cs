using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>
/// Every number that crosses the vfio-user wire, frozen (vfio-user.md §1–§6): commands, flags,
/// capability ids, feature numbers, the VFIO flag values the payloads carry, payload sizes, version
/// defaults and limits. A changed constant fails here before it breaks a peer.
/// </summary>
public sealed class VfioUserWireNumbersTests
{
    [Theory]
    [InlineData(VfioUserCommand.Version, 1)]
    [InlineData(VfioUserCommand.DmaMap, 2)]
    [InlineData(VfioUserCommand.DmaUnmap, 3)]
    [InlineData(VfioUserCommand.DeviceGetInfo, 4)]
    [InlineData(VfioUserCommand.DeviceGetRegionInfo, 5)]
    [InlineData(VfioUserCommand.DeviceGetRegionIoFds, 6)]
    [InlineData(VfioUserCommand.DeviceGetIrqInfo, 7)]
    [InlineData(VfioUserCommand.DeviceSetIrqs, 8)]
    [InlineData(VfioUserCommand.RegionRead, 9)]
    [InlineData(VfioUserCommand.RegionWrite, 10)]
    [InlineData(VfioUserCommand.DmaRead, 11)]
    [InlineData(VfioUserCommand.DmaWrite, 12)]
    [InlineData(VfioUserCommand.DeviceReset, 13)]
    [InlineData(VfioUserCommand.RegionWriteMulti, 15)]
    [InlineData(VfioUserCommand.DeviceFeature, 16)]
    [InlineData(VfioUserCommand.MigDataRead, 17)]
    [InlineData(VfioUserCommand.MigDataWrite, 18)]
    public void Command_Value_IsFrozen(VfioUserCommand command, int expected) => Assert.Equal(expected, (int)command);

    [Fact]
    public void Command_Names_AreAllListed() => Assert.Equal(18, Enum.GetValues<VfioUserCommand>().Length); // None + 17 commands

    [Fact]
    public void IsKnown_EveryNumber_OnlyTheProtocolsCommands()
    {
        var known = new List<int>();
        for (int n = 0; n <= ushort.MaxValue; n++)
        {
            if (VfioUserCommands.IsKnown((VfioUserCommand)n))
            {
                known.Add(n);
            }
        }

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18], known);
    }

    [Fact]
    public void IsServerToClient_KnownCommands_OnlyDmaReadAndWrite()
    {
        VfioUserCommand[] serverToClient = [.. Enum.GetValues<VfioUserCommand>().Where(VfioUserCommands.IsKnown).Where(VfioUserCommands.IsServerToClient)];
        Assert.Equal([VfioUserCommand.DmaRead, VfioUserCommand.DmaWrite], serverToClient);
    }

    [Theory]
    [InlineData(VfioUserMessageFlags.Command, 0u)]
    [InlineData(VfioUserMessageFlags.Reply, 1u)]
    [InlineData(VfioUserMessageFlags.TypeMask, 0xFu)]
    [InlineData(VfioUserMessageFlags.NoReply, 0x10u)]
    [InlineData(VfioUserMessageFlags.Error, 0x20u)]
    public void MessageFlags_Value_IsFrozen(VfioUserMessageFlags flag, uint expected) => Assert.Equal(expected, (uint)flag);

    [Fact]
    public void Protocol_Constants_AreFrozen()
    {
        Assert.Equal(16, VfioUserProtocol.HeaderSize);
        Assert.Equal(0, VfioUserProtocol.MajorVersion);
        Assert.Equal(2, VfioUserProtocol.MinorVersion);
        Assert.Equal(4096, VfioUserProtocol.MaxErrno);
    }

    [Fact]
    public void Limits_Values_AreFrozen()
    {
        Assert.Equal(1048576, VfioUserLimits.MaxDataTransfer);
        Assert.Equal(16, VfioUserLimits.AccessHeadSize);
        Assert.Equal(1048576 + 16, VfioUserLimits.MaxPayloadSize);
        Assert.Equal(1048576 + 32, VfioUserLimits.MaxMessageSize); // libvfio-user's own bound
        Assert.Equal(1024, VfioUserLimits.MaxMsgFdsBound);
        Assert.Equal(8, VfioUserLimits.PassageMaxMsgFds);
        Assert.Equal(16, VfioUserLimits.MaxCapabilityChainLength);
        Assert.Equal(32768, VfioUserLimits.LibVfioUserMaxWrite);
        Assert.Equal(8, VfioUserLimits.WriteMultiMaxEntryData);
        Assert.Equal(256, VfioUserLimits.MaxRegions);
        Assert.Equal(16, VfioUserLimits.MaxIrqIndexes);
        Assert.Equal(2048, VfioUserLimits.MaxIrqVectors);
        Assert.Equal(1024, VfioUserLimits.MaxSparseAreas);
        Assert.Equal(1024, VfioUserLimits.MaxIoFdEntries);
    }

    [Fact]
    public void PayloadSizes_AreFrozen()
    {
        Assert.Equal(4, VfioUserVersion.HeadSize);
        Assert.Equal(32, VfioUserDmaMap.PayloadSize);
        Assert.Equal(24, VfioUserDmaUnmap.PayloadSize);
        Assert.Equal(16, VfioUserDeviceInfo.PayloadSize);
        Assert.Equal(32, VfioUserRegionInfoRequest.PayloadSize);
        Assert.Equal(32, VfioUserRegionInfo.HeadSize);
        Assert.Equal(8, VfioUserRegionInfo.CapabilityHeaderSize);
        Assert.Equal(16, VfioUserRegionInfo.SparseHeadSize);
        Assert.Equal(16, VfioUserRegionInfo.SparseAreaSize);
        Assert.Equal(16, VfioUserRegionInfo.TypeCapabilitySize);
        Assert.Equal(16, VfioUserRegionIoFdsRequest.PayloadSize);
        Assert.Equal(16, VfioUserRegionIoFds.HeadSize);
        Assert.Equal(40, VfioUserIoFdEntry.SpecSize);
        Assert.Equal(48, VfioUserIoFdEntry.LibVfioUserSize);
        Assert.Equal(16, VfioUserIrqInfo.PayloadSize);
        Assert.Equal(20, VfioUserSetIrqs.HeadSize);
        Assert.Equal(16, VfioUserRegionAccess.HeadSize);
        Assert.Equal(16, VfioUserDmaAccess.HeadSize);
        Assert.Equal(8, VfioUserRegionWriteMulti.HeadSize);
        Assert.Equal(24, VfioUserRegionWriteEntry.EntrySize);
        Assert.Equal(8, VfioUserDeviceFeature.HeadSize);
        Assert.Equal(8, VfioUserMigrationData.HeadSize);
    }

    [Theory]
    [InlineData(VfioUserRegionCapabilityId.SparseMmap, 1)]
    [InlineData(VfioUserRegionCapabilityId.Type, 2)]
    public void RegionCapabilityId_Value_IsFrozen(VfioUserRegionCapabilityId id, int expected) => Assert.Equal(expected, (int)id);

    [Theory]
    [InlineData(RegionFlags.Read, 1u)]
    [InlineData(RegionFlags.Write, 2u)]
    [InlineData(RegionFlags.Mmap, 4u)]
    [InlineData(RegionFlags.Caps, 8u)]
    public void RegionFlags_WireValue_IsFrozen(RegionFlags flag, uint expected) => Assert.Equal(expected, (uint)flag);

    [Theory]
    [InlineData(IrqInfoFlags.Eventfd, 1u)]
    [InlineData(IrqInfoFlags.Maskable, 2u)]
    [InlineData(IrqInfoFlags.Automasked, 4u)]
    [InlineData(IrqInfoFlags.NoResize, 8u)]
    public void IrqInfoFlags_WireValue_IsFrozen(IrqInfoFlags flag, uint expected) => Assert.Equal(expected, (uint)flag);

    [Theory]
    [InlineData(IrqSetFlags.DataNone, 1u)]
    [InlineData(IrqSetFlags.DataBool, 2u)]
    [InlineData(IrqSetFlags.DataEventfd, 4u)]
    [InlineData(IrqSetFlags.ActionMask, 8u)]
    [InlineData(IrqSetFlags.ActionUnmask, 0x10u)]
    [InlineData(IrqSetFlags.ActionTrigger, 0x20u)]
    public void IrqSetFlags_WireValue_IsFrozen(IrqSetFlags flag, uint expected) => Assert.Equal(expected, (uint)flag);

    [Theory]
    [InlineData(DeviceFlags.Reset, 1u)]
    [InlineData(DeviceFlags.Pci, 2u)]
    public void DeviceFlags_WireValue_IsFrozen(DeviceFlags flag, uint expected) => Assert.Equal(expected, (uint)flag);

    [Fact]
    public void IrqIndexes_WireValues_AreFrozen() =>
        Assert.Equal([0, 1, 2, 3, 4], new[] { VfioIrq.Intx, VfioIrq.Msi, VfioIrq.Msix, VfioIrq.Err, VfioIrq.Req });

    [Theory]
    [InlineData(VfioUserDmaMapFlags.Read, 1u)]
    [InlineData(VfioUserDmaMapFlags.Write, 2u)]
    public void DmaMapFlags_Value_IsFrozen(VfioUserDmaMapFlags flag, uint expected) => Assert.Equal(expected, (uint)flag);

    [Theory]
    [InlineData(VfioUserDmaUnmapFlags.GetDirtyBitmap, 1u)]
    [InlineData(VfioUserDmaUnmapFlags.All, 2u)]
    public void DmaUnmapFlags_Value_IsFrozen(VfioUserDmaUnmapFlags flag, uint expected) => Assert.Equal(expected, (uint)flag);

    [Theory]
    [InlineData(VfioUserDeviceFeatureFlags.FeatureMask, 0xFFFFu)]
    [InlineData(VfioUserDeviceFeatureFlags.Get, 0x10000u)]
    [InlineData(VfioUserDeviceFeatureFlags.Set, 0x20000u)]
    [InlineData(VfioUserDeviceFeatureFlags.Probe, 0x40000u)]
    public void DeviceFeatureFlags_Value_IsFrozen(VfioUserDeviceFeatureFlags flag, uint expected) => Assert.Equal(expected, (uint)flag);

    [Theory]
    [InlineData(VfioUserDeviceFeatureId.Migration, 1)]
    [InlineData(VfioUserDeviceFeatureId.MigDeviceState, 2)]
    [InlineData(VfioUserDeviceFeatureId.DmaLoggingStart, 6)]
    [InlineData(VfioUserDeviceFeatureId.DmaLoggingStop, 7)]
    [InlineData(VfioUserDeviceFeatureId.DmaLoggingReport, 8)]
    public void DeviceFeatureId_Value_IsFrozen(VfioUserDeviceFeatureId id, int expected) => Assert.Equal(expected, (int)id);

    [Theory]
    [InlineData(VfioUserIoFdType.Ioeventfd, 0u)]
    [InlineData(VfioUserIoFdType.Ioregionfd, 1u)]
    [InlineData(VfioUserIoFdType.ShadowIoeventfd, 2u)]
    public void IoFdType_Value_IsFrozen(VfioUserIoFdType type, uint expected) => Assert.Equal(expected, (uint)type);

    [Fact]
    public void EnumMembers_AreAllListed()
    {
        Assert.Equal(2, Enum.GetValues<VfioUserRegionCapabilityId>().Length);
        Assert.Equal(3, Enum.GetValues<VfioUserDmaMapFlags>().Length);
        Assert.Equal(3, Enum.GetValues<VfioUserDmaUnmapFlags>().Length);
        Assert.Equal(5, Enum.GetValues<VfioUserDeviceFeatureFlags>().Length);
        Assert.Equal(5, Enum.GetValues<VfioUserDeviceFeatureId>().Length);
        Assert.Equal(3, Enum.GetValues<VfioUserIoFdType>().Length);
        Assert.Equal(5, Enum.GetValues<VfioUserMessageFlags>().Length);
    }

    [Fact]
    public void VersionDefaults_AreFrozen()
    {
        Assert.Equal(1, VersionCapabilities.DefaultMaxMsgFds);
        Assert.Equal(1048576ul, VersionCapabilities.DefaultMaxDataXferSize);
        Assert.Equal(65535ul, VersionCapabilities.DefaultMaxDmaMaps);
        Assert.Equal(4096ul, VersionCapabilities.DefaultPgSizes);
    }
}
