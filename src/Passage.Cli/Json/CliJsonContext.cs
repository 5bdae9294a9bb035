using System.Text.Json.Serialization;

namespace Passage.Cli.Json;

/// <summary>Source-generated JSON for everything the CLI prints with <c>--json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<ListRowJson>))]
[JsonSerializable(typeof(HostFunctionJson))]
[JsonSerializable(typeof(FunctionJson))]
[JsonSerializable(typeof(List<FunctionJson>))]
[JsonSerializable(typeof(DeviceInfoJson))]
[JsonSerializable(typeof(DriverBindingJson))]
[JsonSerializable(typeof(GuestProbeJson))]
[JsonSerializable(typeof(VfioUserProbeJson))]
[JsonSerializable(typeof(List<StoreNodeJson>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
