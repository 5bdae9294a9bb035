using Passage.Host.Sim.Runtime;

namespace Passage.Host.Tests.Sim;

public sealed class VirtualClockTests
{
    [Fact]
    public void Now_NewClock_IsZero()
    {
        Assert.Equal(TimeSpan.Zero, new VirtualClock().Now);
    }

    [Fact]
    public void Advance_TwoCharges_AddUp()
    {
        var clock = new VirtualClock();
        clock.Advance(TimeSpan.FromMilliseconds(100));
        clock.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal(TimeSpan.FromMilliseconds(102), clock.Now);
    }

    [Fact]
    public void Advance_Negative_Throws()
    {
        var clock = new VirtualClock();
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromMilliseconds(-1)));
        Assert.Equal(TimeSpan.Zero, clock.Now);
    }
}
