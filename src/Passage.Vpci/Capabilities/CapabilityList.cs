using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Function;
using Passage.Vpci.Msi;
using Passage.Vpci.Msix;

namespace Passage.Vpci.Capabilities;

/// <summary>
/// The filtered capability lists the guest sees (vpci.md §4). Standard: the host list walked once;
/// MSI, MSI-X, PCI Express and Power Management exposed (vendor-specific only by policy, raw), each
/// with emulated next pointers; the rest unlinked, its bytes without a handler. Extended: the dword
/// at 0x100 always emulated; in guest mode only a virtual AER, by policy; in trusted mode every
/// host header, read-only.
/// </summary>
internal sealed class CapabilityList
{
    private readonly VirtualFunction _function;
    private readonly List<ExposedCapability> _exposed = [];
    private readonly List<HiddenCapability> _hidden = [];
    private PowerManagementEmulation? _pm;

    /// <summary>Creates the (empty) list of <paramref name="function"/>; <see cref="Build"/> fills it.</summary>
    public CapabilityList(VirtualFunction function) => _function = function;

    /// <summary>Whether any standard capability is exposed (Status.CapList).</summary>
    public bool HasExposed => _exposed.Exists(c => !c.Extended);

    /// <summary>Capabilities the guest sees, in list order (standard first).</summary>
    public IReadOnlyList<ExposedCapability> Exposed => _exposed;

    /// <summary>Host capabilities the guest does not see, and why.</summary>
    public IReadOnlyList<HiddenCapability> Hidden => _hidden;

    /// <summary>The virtual AER capability, when exposed.</summary>
    public VirtualAer? Aer { get; private set; }

    /// <summary>The guest's Power Management state, when exposed.</summary>
    public PowerManagementEmulation? PowerManagement => _pm;

    /// <summary>Walks the host lists, registers each exposed capability's body, then the links.</summary>
    public void Build()
    {
        BuildStandard();
        if (_function.HostSnapshot.HasExtendedSpace && _function.Device.GetRegionInfo(Host.Devices.VfioRegion.Config).Size > ConfigOffsets.ConventionalSize)
        {
            BuildExtended();
        }
    }

    /// <summary>Power Management and AER state back to initial (virtual FLR).</summary>
    public void ResetToInitial()
    {
        _pm?.ResetToInitial();
        Aer?.ResetToInitial();
    }

    private void BuildStandard()
    {
        ConfigSpace host = _function.HostSnapshot;
        var bodies = new List<(CapabilityEntry Entry, RegisterGroup Group)>();
        foreach (CapabilityEntry entry in CapabilityWalker.WalkStandard(host).Entries)
        {
            var group = new RegisterGroup(_function.Config);
            string? reason = RegisterBody(entry, group);
            if (reason is null && group.Failed)
            {
                reason = "its registers overlap another structure";
            }

            if (reason is not null)
            {
                group.RemoveAll();
                Unlink(entry);
                _hidden.Add(new HiddenCapability(entry.Offset, entry.Id, false, reason));
                continue;
            }

            bodies.Add((entry, group));
        }

        // ID bytes pass the host's ID; next bytes and 0x34 are emulated over what stays exposed.
        for (int i = 0; i < bodies.Count; i++)
        {
            (CapabilityEntry entry, RegisterGroup group) = bodies[i];
            int next = i + 1 < bodies.Count ? bodies[i + 1].Entry.Offset : 0;
            group.AddConstant(entry.Offset, 1, (uint)entry.Id);
            group.AddConstant(entry.Offset + 1, 1, (uint)next);
            _exposed.Add(new ExposedCapability(entry.Offset, entry.Id, false, CapabilityNames.ForStandard(entry.Id)));
        }

        _function.AddRegister(new Config.RegisterDescriptor
        {
            Offset = ConfigOffsets.CapabilitiesPointer,
            Size = 1,
            Read = static (_, context) => ((StoredRegister)context!).Value,
            Context = new StoredRegister(bodies.Count > 0 ? (uint)bodies[0].Entry.Offset : 0),
        });
    }

    // Registers one standard capability's body; null, or why it stays hidden.
    private string? RegisterBody(CapabilityEntry entry, RegisterGroup group)
    {
        switch ((CapabilityId)entry.Id)
        {
            case CapabilityId.Msi:
                _function.Msi = MsiEmulation.TryCreate(_function, entry.Offset, group, out string? msiReason);
                return _function.Msi is null ? msiReason : null;
            case CapabilityId.MsiX:
                _function.Msix = MsixEmulation.TryCreate(_function, entry.Offset, group, out string? reason);
                return _function.Msix is null ? reason : null;
            case CapabilityId.PciExpress:
                PciExpressEmulation.Register(_function, entry.Offset, group);
                return null;
            case CapabilityId.PowerManagement:
                _pm = PowerManagementEmulation.Register(_function.HostSnapshot, entry.Offset, group);
                return null;
            case CapabilityId.VendorSpecific when _function.Options.ExposeVendorCapabilities:
                int length = Math.Max((int)_function.HostSnapshot.Read8(entry.Offset + 2), 3);
                group.AddPassthrough(_function.Host, entry.Offset + 2, Math.Min(entry.Offset + length, ConfigOffsets.ConventionalSize), writable: true);
                return null;
            case CapabilityId.VendorSpecific:
                return "vendor-specific capabilities are exposed only by policy";
            default:
                return "not offered to guests";
        }
    }

    // A capability whose body was refused leaves no emulation behind.
    private void Unlink(CapabilityEntry entry)
    {
        if (entry.Id == (int)CapabilityId.Msi)
        {
            _function.Msi = null;
        }
        else if (entry.Id == (int)CapabilityId.MsiX)
        {
            _function.Msix = null;
        }
        else if (entry.Id == (int)CapabilityId.PowerManagement)
        {
            _pm = null;
        }
    }

    private void BuildExtended()
    {
        ConfigSpace host = _function.HostSnapshot;
        CapabilityChain chain = CapabilityWalker.WalkExtended(host);
        var group = new RegisterGroup(_function.Config);
        CapabilityEntry? aer = _function.Options.VirtualAer
            ? chain.Entries.FirstOrDefault(e => e.Id == (int)ExtendedCapabilityId.Aer)
            : null;
        if (aer is not null)
        {
            Aer = VirtualAer.Register(host, aer.Offset, group);
            if (group.Failed)
            {
                group.RemoveAll();
                Aer = null;
                _hidden.Add(new HiddenCapability(aer.Offset, aer.Id, true, "its registers overlap another structure"));
                aer = null;
            }
        }

        if (_function.Options.Mode == Config.DispatcherMode.Trusted)
        {
            // Every header read-only, the last one ending the list (a broken list is truncated there).
            for (int i = 0; i < chain.Entries.Count; i++)
            {
                CapabilityEntry e = chain.Entries[i];
                uint next = i + 1 < chain.Entries.Count ? (uint)chain.Entries[i + 1].Offset : 0;
                group.AddConstant(e.Offset, 4, (host.Read32(e.Offset) & 0x000F_FFFF) | (next << 20));
                _exposed.Add(new ExposedCapability(e.Offset, e.Id, true, CapabilityNames.ForExtended(e.Id)));
            }

            if (chain.Entries.Count == 0)
            {
                group.AddConstant(ConfigOffsets.ExtendedCapabilitiesStart, 4, 0);
            }

            return;
        }

        foreach (CapabilityEntry e in chain.Entries)
        {
            if (e != aer)
            {
                _hidden.Add(new HiddenCapability(e.Offset, e.Id, true, e.Id == (int)ExtendedCapabilityId.Aer ? "AER is exposed only as virtual AER, by policy" : "not offered to guests"));
            }
        }

        if (aer is null)
        {
            // Nothing exposed: 0x100 reads 0, every other extended byte reads ones.
            group.AddConstant(ConfigOffsets.ExtendedCapabilitiesStart, 4, 0);
            return;
        }

        uint aerHeader = (uint)ExtendedCapabilityId.Aer | ((uint)aer.Version << 16);
        if (aer.Offset != ConfigOffsets.ExtendedCapabilitiesStart)
        {
            // The hidden capability at 0x100 stays as a placeholder with ID and version 0, linking to AER.
            group.AddConstant(ConfigOffsets.ExtendedCapabilitiesStart, 4, (uint)aer.Offset << 20);
        }

        group.AddConstant(aer.Offset, 4, aerHeader);
        _exposed.Add(new ExposedCapability(aer.Offset, aer.Id, true, "Advanced Error Reporting (virtual)"));
    }
}
