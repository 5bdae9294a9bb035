using Passage.Host.Policy;

namespace Passage.Host.Tests.Policy;

/// <summary>
/// Interrupt hardware with the device-side rule that matters: a vector masked at the host keeps
/// what fires as pending and sends it when unmasked.
/// </summary>
internal sealed class FakeInterruptHardware(int msi = 4, int msix = 8, bool dynamic = false, bool intx = true, bool pcie = true) : IInterruptHardware
{
    private readonly Lock _lock = new();
    private readonly bool[] _masked = Enumerable.Repeat(true, Math.Max(msi, msix)).ToArray();
    private readonly int[] _pending = new int[Math.Max(msi, msix)];

    public IrqController? Controller { get; set; }

    public bool HasIntx => intx;

    public bool IsPcie => pcie;

    public int MsiVectors => msi;

    public int MsixVectors => msix;

    public bool MsixDynamic => dynamic;

    public int Available { get; set; } = int.MaxValue;

    public int EnabledIndex { get; private set; } = -1;

    public List<(int Index, int Vectors)> Enables { get; } = [];

    public int Disables { get; private set; }

    public bool IntxMasked { get; private set; } = true;

    public bool IntxAsserted { get; set; }

    public bool IsMasked(int vector)
    {
        lock (_lock)
        {
            return _masked[vector];
        }
    }

    public int Pending(int vector)
    {
        lock (_lock)
        {
            return _pending[vector];
        }
    }

    public int Enable(int index, int vectors)
    {
        Enables.Add((index, vectors));
        int granted = Math.Min(vectors, Available);
        EnabledIndex = granted == vectors ? index : -1;
        return granted;
    }

    public void Disable(int index)
    {
        Disables++;
        EnabledIndex = -1;
        lock (_lock)
        {
            Array.Fill(_masked, true);
            Array.Clear(_pending);
        }
    }

    public void SetVectorMasked(int index, int vector, bool masked)
    {
        int send;
        lock (_lock)
        {
            _masked[vector] = masked;
            send = masked ? 0 : _pending[vector];
            _pending[vector] = 0;
            for (int i = 0; i < send; i++)
            {
                Controller!.Deliver(index, vector);
            }
        }
    }

    public void SetIntxMasked(bool masked) => IntxMasked = masked;

    /// <summary>The device raises <paramref name="vector"/>: sent when unmasked, else pending.</summary>
    public void Fire(int index, int vector)
    {
        lock (_lock)
        {
            if (_masked[vector])
            {
                _pending[vector]++;
                return;
            }

            Controller!.Deliver(index, vector);
        }
    }
}
