using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace Passage.Bench;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project bench/Passage.Bench -- --filter '*'</c> (add <c>--job dry</c> for a smoke run).</summary>
public static class Program
{
    /// <summary>One configuration for every benchmark: exact allocation numbers, no tiered PGO drift.</summary>
    public static IConfig BaseConfig => DefaultConfig.Instance
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddJob(Job.Default
            .WithGcServer(false)
            .WithGcConcurrent(false)
            .WithEnvironmentVariable("DOTNET_TieredPGO", "0"));

    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BaseConfig);
}
