using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Transport;

namespace Passage.Bench;

/// <summary>
/// One region access through a <c>VfioUserClient</c> to a <c>VfioUserServer</c> exporting the
/// simulated NVMe drive, both in this process over a real Unix socket: the client's request
/// (codec, session, one <c>sendmsg</c>), the server's session thread waking, decoding and calling
/// the device, its reply, and the client's thread waking to read it. Floor: a bare ping-pong of
/// the same sizes over <c>UnixSocket.Pair()</c> through the same <c>UnixSocket.Send</c>/<c>Receive</c>
/// calls — a 32-byte request (header + access head) answered at once by a thread blocked in
/// <c>Receive</c> with 36 bytes (+ 4 bytes of data) — so the ratio is what the vfio-user layers add
/// to the two wake-ups any socket round trip pays. A guest-level pair compares an ECAM read of a
/// register the virtual function forwards to the host, with the function imported over vfio-user
/// and in-process.
/// </summary>
[MemoryDiagnoser]
public class VfioUserRoundTripBenchmarks
{
    private const string Nvme = "0000:06:00.0";
    private const int RequestSize = VfioUserProtocol.HeaderSize + VfioUserRegionAccess.HeadSize;
    private const int ReplySize = RequestSize + 4;

    private readonly byte[] _four = new byte[4];
    private readonly byte[] _floorRequest = new byte[RequestSize];
    private readonly byte[] _floorReply = new byte[ReplySize];
    private UnixSocket? _requester;
    private UnixSocket? _responder;
    private Thread? _responderThread;
    private SimDevice? _device;
    private VfioUserLoopback? _loopback;
    private int _scratchBar;
    private ulong _scratch;
    private GuestMachine? _guest;
    private ulong _deviceCapabilities;

    [GlobalSetup(Target = nameof(SocketPingPongFloor))]
    public void SetupFloor()
    {
        (_requester, _responder) = UnixSocket.Pair();

        // Real vfio-user bytes, though the floor never decodes them: a REGION_READ of Command/Status and its reply.
        VfioUserHeader request = VfioUserHeader.ForCommand(1, VfioUserCommand.RegionRead, VfioUserRegionAccess.HeadSize);
        request.Write(_floorRequest);
        new VfioUserRegionAccess(ConfigOffsets.Command, VfioRegion.Config, 4).WriteHead(_floorRequest.AsSpan(VfioUserProtocol.HeaderSize));
        byte[] reply = new byte[ReplySize];
        VfioUserHeader.ForReply(request, ReplySize - VfioUserProtocol.HeaderSize).Write(reply);
        new VfioUserRegionAccess(ConfigOffsets.Command, VfioRegion.Config, [0x06, 0x00, 0x10, 0x00]).Write(reply.AsSpan(VfioUserProtocol.HeaderSize));

        UnixSocket responder = _responder;
        _responderThread = new Thread(() => Respond(responder, reply)) { IsBackground = true, Name = "socket responder" };
        _responderThread.Start();
    }

    [GlobalSetup(Targets = [nameof(ConfigRead), nameof(BarRead), nameof(BarWrite)])]
    public void SetupClient()
    {
        HostInventory lab = SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json"));
        _device = new SimDevice(new SimHost(lab), PciAddress.Parse(Nvme));
        _loopback = new VfioUserLoopback(_device);

        // Memory decoding on, through the socket as a VMM would set it: BAR accesses fail with EIO without it.
        BinaryPrimitives.WriteUInt16LittleEndian(_four, (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster));
        Check(_loopback.Client.Write(VfioRegion.Config, ConfigOffsets.Command, _four.AsSpan(0, 2)), "enabling memory decoding");
        SimControlBlock block = _device.Function.Model.ControlBlock!;
        _scratchBar = block.Bar;
        _scratch = block.Offset + SimControlBlock.Scratch;

        // Every measured access must succeed: an access refused early would measure the refusal.
        Check(ConfigRead(), "the config read");
        Check(BarWrite(), "the SCRATCH write");
        Check(BarRead(), "the SCRATCH read");
    }

    [GlobalSetup(Target = nameof(GuestDeviceCapabilitiesInProcess))]
    public void SetupGuestInProcess() => SetupGuest(overVfioUser: false);

    [GlobalSetup(Target = nameof(GuestDeviceCapabilitiesOverVfioUser))]
    public void SetupGuestOverVfioUser() => SetupGuest(overVfioUser: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        // The requester's end closing is the responder's end of stream.
        _requester?.Dispose();
        _responderThread?.Join();
        _responder?.Dispose();
        _loopback?.Dispose();
        _device?.Dispose();
        _guest?.Dispose();
    }

    /// <summary>Floor: 32 bytes to a thread blocked in <c>Receive</c>, 36 bytes back, through the same <c>UnixSocket</c> calls the client and server make.</summary>
    [Benchmark(Baseline = true)]
    public int SocketPingPongFloor()
    {
        _requester!.Send(_floorRequest, ReadOnlySpan<int>.Empty);
        return ReceiveWhole(_requester, _floorReply) ? ReplySize : 0;
    }

    /// <summary>REGION_READ of Command/Status (4 bytes of config space), through the server to the device policy.</summary>
    [Benchmark]
    public Errno ConfigRead() => _loopback!.Client.Read(VfioRegion.Config, ConfigOffsets.Command, _four);

    /// <summary>REGION_READ of the control block's SCRATCH register, a BAR register the guest side forwards (it is not mapped).</summary>
    [Benchmark]
    public Errno BarRead() => _loopback!.Client.Read(_scratchBar, _scratch, _four);

    /// <summary>REGION_WRITE of 4 bytes to SCRATCH; the reply echoes the access.</summary>
    [Benchmark]
    public Errno BarWrite() => _loopback!.Client.Write(_scratchBar, _scratch, _four);

    /// <summary>A guest ECAM read of the PCIe Device Capabilities, which the virtual function reads from the host device: here the simulated function itself.</summary>
    [Benchmark]
    public bool GuestDeviceCapabilitiesInProcess() => _guest!.Machine.ReadMemory(_deviceCapabilities, _four);

    /// <summary>The same guest read with the function imported over vfio-user: the host read becomes a REGION_READ.</summary>
    [Benchmark]
    public bool GuestDeviceCapabilitiesOverVfioUser() => _guest!.Machine.ReadMemory(_deviceCapabilities, _four);

    private static void Check(Errno errno, string what)
    {
        if (errno != Errno.None)
        {
            throw new InvalidOperationException($"{what} failed with {errno}");
        }
    }

    private static void Respond(UnixSocket socket, byte[] reply)
    {
        byte[] request = new byte[RequestSize];
        while (ReceiveWhole(socket, request))
        {
            socket.Send(reply, ReadOnlySpan<int>.Empty);
        }
    }

    // A stream may hand a message over in pieces; false when the peer has closed.
    private static bool ReceiveWhole(UnixSocket socket, Span<byte> message)
    {
        for (int received = 0; received < message.Length;)
        {
            int n = socket.Receive(message[received..], out FileDescriptorHandle[] _);
            if (n == 0)
            {
                return false;
            }

            received += n;
        }

        return true;
    }

    private void SetupGuest(bool overVfioUser)
    {
        _guest = new GuestMachine(Nvme, overVfioUser);
        _deviceCapabilities = _guest.Ecam(_guest.Capability(CapabilityId.PciExpress) + 4);
        long messages = _guest.Loopback?.Server.MessagesHandled ?? 0;
        if (!_guest.Machine.ReadMemory(_deviceCapabilities, _four) || BinaryPrimitives.ReadUInt32LittleEndian(_four) is 0 or uint.MaxValue)
        {
            throw new InvalidOperationException("the guest cannot read the PCIe Device Capabilities");
        }

        // The register must be read from the host on every access, or the vfio-user variant would measure no round trip.
        if (_guest.Loopback is { } loopback && loopback.Server.MessagesHandled != messages + 1)
        {
            throw new InvalidOperationException($"the guest's read sent {loopback.Server.MessagesHandled - messages} messages to the server, not 1");
        }
    }
}
