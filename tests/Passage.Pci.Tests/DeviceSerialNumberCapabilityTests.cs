using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class DeviceSerialNumberCapabilityTests
{
    [Fact]
    public void Decode_TwoDwords_FormSerialLowFirst()
    {
        DeviceSerialNumberCapability dsn = DeviceSerialNumberCapability.Decode(
            TestSpaces.Endpoint()
                .ExtendedCapability(0x100, ExtendedCapabilityId.DeviceSerialNumber, 1, new byte[8])
                .Set32(0x104, 0x4433_2211)
                .Set32(0x108, 0x8877_6655)
                .Build(),
            0x100);

        Assert.Equal(0x8877_6655_4433_2211ul, dsn.SerialNumber);
        Assert.Equal("Device Serial Number 88-77-66-55-44-33-22-11", dsn.Title);
        Assert.Equal([new DecodedField("serialNumber", 0x8877_6655_4433_2211ul)], dsn.Fields);
        Assert.Equal(12, dsn.Length);
    }
}
