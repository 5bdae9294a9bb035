using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace Passage.Bench;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project bench/Passage.Bench -- --filter '*'</c> (add <c>--job dry</c> for a smoke run).</summary>
public static class Program
{
    /// <summary>One configuration for every benchmark: exact allocation numbers, no tiered PGO drift.</summary>
    /// <remarks>
    /// The settings are a mutator, not a job of their own: they apply to whichever job runs — the
    /// default one, or the one <c>--job</c> names — so <c>--job dry</c> is a smoke run alone rather
    /// than a smoke run next to a full measured one.
    /// </remarks>
    public static IConfig BaseConfig => DefaultConfig.Instance
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddJob(Job.Default
            .WithGcServer(false)
            .WithGcConcurrent(false)
            .WithEnvironmentVariable("DOTNET_TieredPGO", "0")
            .AsMutator());

    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BaseConfig);
}
