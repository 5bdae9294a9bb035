using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Host.Sim;

/// <summary>
/// Forms IOMMU groups the way Linux does at enumeration (lifecycle.md §4): devices behind a
/// PCIe-to-PCI bridge alias to it; walking up, any bridge whose ACS path to the root is incomplete
/// becomes the grouping point; functions of a multi-function device without ACS join each other;
/// everything else gets a group of its own.
/// </summary>
public static class IommuGroupCalculator
{
    /// <summary>A function as the calculator sees it.</summary>
    /// <param name="Address">Its address.</param>
    /// <param name="Decoded">Its config space.</param>
    /// <param name="Parent">Upstream bridge, null on the root bus.</param>
    public sealed record Node(PciAddress Address, DecodedFunction Decoded, PciAddress? Parent);

    /// <summary>Assigns group numbers from 0, in enumeration order (parents before children).</summary>
    public static IReadOnlyDictionary<PciAddress, int> Assign(IReadOnlyList<Node> nodes)
    {
        var byAddress = nodes.ToDictionary(n => n.Address);
        var groups = new Dictionary<PciAddress, int>();
        int next = 0;
        foreach (Node node in nodes)
        {
            groups[node.Address] = GroupFor(node, byAddress, groups) ?? next++;
        }

        return groups;
    }

    private static int? GroupFor(Node node, Dictionary<PciAddress, Node> byAddress, Dictionary<PciAddress, int> groups)
    {
        // Conventional functions behind a PCIe-to-PCI bridge use the bridge's requester ID.
        if (node.Parent is { } p && byAddress.TryGetValue(p, out Node? parent) &&
            node.Decoded.Pcie is null && parent.Decoded.Pcie is { DeviceType: PcieDeviceType.PcieToPciBridge })
        {
            return groups[parent.Address];
        }

        for (Node? bridge = ParentOf(node, byAddress); bridge is not null; bridge = ParentOf(bridge, byAddress))
        {
            if (AcsPathEnabled(bridge, byAddress))
            {
                break;
            }

            if (groups.TryGetValue(bridge.Address, out int group))
            {
                return group;
            }
        }

        if (IsMultiFunction(node) && !AcsEnabled(node))
        {
            foreach (Node sibling in byAddress.Values)
            {
                if (sibling.Address != node.Address && sibling.Address.Segment == node.Address.Segment &&
                    sibling.Address.Bus == node.Address.Bus && sibling.Address.Device == node.Address.Device &&
                    !AcsEnabled(sibling) && groups.TryGetValue(sibling.Address, out int group))
                {
                    return group;
                }
            }
        }

        return null;
    }

    private static Node? ParentOf(Node node, Dictionary<PciAddress, Node> byAddress) =>
        node.Parent is { } p ? byAddress.GetValueOrDefault(p) : null;

    private static bool IsMultiFunction(Node node) => node.Decoded.Config.IsMultiFunction;

    private static bool AcsPathEnabled(Node start, Dictionary<PciAddress, Node> byAddress)
    {
        for (Node? n = start; n is not null; n = ParentOf(n, byAddress))
        {
            if (!AcsEnabled(n))
            {
                return false;
            }
        }

        return true;
    }

    // Linux's pci_acs_enabled: ports need the isolation flags; single-function endpoints and
    // upstream ports count as isolated; multi-function endpoints need ACS; conventional PCI never isolates.
    private static bool AcsEnabled(Node node)
    {
        PciExpressCapability? pcie = node.Decoded.Pcie;
        if (pcie is null)
        {
            return false;
        }

        bool flags = node.Decoded.Acs is { IsolationEnabled: true };
        return pcie.DeviceType switch
        {
            PcieDeviceType.PcieToPciBridge => false,
            PcieDeviceType.RootPort or PcieDeviceType.DownstreamPort => flags,
            PcieDeviceType.Endpoint or PcieDeviceType.LegacyEndpoint or PcieDeviceType.UpstreamPort or PcieDeviceType.RootComplexIntegratedEndpoint
                => !IsMultiFunction(node) || flags,
            _ => true,
        };
    }
}
