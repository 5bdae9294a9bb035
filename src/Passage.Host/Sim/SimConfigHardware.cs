using Passage.Host.Devices;
using Passage.Host.Policy;
using Passage.Host.Sim.Runtime;

namespace Passage.Host.Sim;

/// <summary>A simulated function's config space as the policy's "hardware": arbitrary spans split into naturally aligned pieces.</summary>
internal sealed class SimConfigHardware(SimFunction function) : IConfigHardware
{
    public Errno Read(int offset, Span<byte> data)
    {
        for (int pos = 0; pos < data.Length;)
        {
            int n = Piece(offset + pos, data.Length - pos);
            uint value = function.ReadConfig(offset + pos, n);
            for (int i = 0; i < n; i++)
            {
                data[pos + i] = (byte)(value >> (8 * i));
            }

            pos += n;
        }

        return Errno.None;
    }

    public Errno Write(int offset, ReadOnlySpan<byte> data)
    {
        for (int pos = 0; pos < data.Length;)
        {
            int n = Piece(offset + pos, data.Length - pos);
            uint value = 0;
            for (int i = 0; i < n; i++)
            {
                value |= (uint)data[pos + i] << (8 * i);
            }

            function.WriteConfig(offset + pos, n, value);
            pos += n;
        }

        return Errno.None;
    }

    private static int Piece(int at, int left) => (at & 3) == 0 && left >= 4 ? 4 : (at & 1) == 0 && left >= 2 ? 2 : 1;
}
