namespace Passage.VfioUser.Tests.Transport;

/// <summary>
/// Tests that count this process's open descriptors run alone, after the parallel tests: any other
/// test opening or closing a descriptor meanwhile would change the count.
/// </summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class DescriptorCountCollection;
