using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Msil.Mcp.IntegrationTests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Msil.Mcp.IntegrationTests.Deployment;

/// <summary>
/// The AWS observability configuration of samples/Msil.Mcp.ReferenceServer/deploy/aws (issue 22, item 3): the ADOT
/// Collector's configuration parses and maps each of the seed's CloudWatch metrics from an instrument the server really
/// publishes (seen by a <see cref="MeterListener"/> while the reference server handles calls), and the Fluent Bit
/// configuration parses and expects exactly what the server's JSON console log (appsettings.json) writes.
/// </summary>
[Collection(ReferenceServerGroup.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ObservabilityConfigTests : IDisposable
{
    private static readonly string[] SeedMetrics = ["request_count", "request_latency", "tool_executions", "error_rate", "auth_failures"];

    private readonly ReferenceServerFixture _server;
    private readonly ConcurrentDictionary<string, string> _instruments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _tagKeys = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    public ObservabilityConfigTests(ReferenceServerFixture server)
    {
        _server = server;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Msil.Mcp", StringComparison.Ordinal))
            {
                _instruments[instrument.Name] = instrument.Meter.Name;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _listener.Start();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private void RecordTags(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var keys = _tagKeys.GetOrAdd(instrument.Name, _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));
        foreach (var tag in tags)
        {
            keys[tag.Key] = true;
        }
    }

    private static string AwsFile(string name) => Path.Combine(RepoFiles.ReferenceServer, "deploy", "aws", name);

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task CollectorConfig_EachSeedMetric_MapsFromAnInstrumentTheServerPublishes()
    {
        var config = CollectorConfig();
        await CallAsync("Bearer " + await _server.GetTokenAsync("bob")); // the governed call's instruments
        await CallAsync("Bearer not-a-token"); // a refused token: the auth instruments

        var processors = Map(config, "processors");
        var renames = List(Map(processors, "metricstransform/seed"), "transforms").Cast<Dictionary<object, object>>()
            .ToDictionary(t => (string)t["new_name"], t => (string)t["include"], StringComparer.Ordinal);
        var ratio = List(Map(processors, "experimental_metricsgeneration/error_rate"), "rules").Cast<Dictionary<object, object>>().Single();
        var kept = List(Map(processors, "filter/seed", "metrics", "include"), "metric_names").Cast<string>().ToHashSet(StringComparer.Ordinal);

        Assert.Equal("error_rate", ratio["name"]);
        Assert.Equal("divide", ratio["operation"]);
        var sources = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["error_rate"] = [(string)ratio["metric1"], (string)ratio["metric2"]],
        };
        foreach (var (seed, instrument) in renames)
        {
            sources[seed] = [instrument];
        }

        Assert.Equal(SeedMetrics.Order(StringComparer.Ordinal), sources.Keys.Order(StringComparer.Ordinal));
        foreach (var (seed, instruments) in sources)
        {
            foreach (var instrument in instruments)
            {
                Assert.True(_instruments.ContainsKey(instrument), $"{seed} maps from '{instrument}', which no Msil.Mcp meter publishes (published: {string.Join(", ", _instruments.Keys.Order(StringComparer.Ordinal))})");
                Assert.Contains(instrument, kept);
            }
        }

        Assert.Equal("msil.mcp.errors", (string)ratio["metric1"]);
        Assert.Equal("msil.mcp.tool.executions", (string)ratio["metric2"]);

        // Each CloudWatch dimension is a tag the source instrument really records.
        foreach (var declaration in List(Map(config, "exporters", "awsemf"), "metric_declarations").Cast<Dictionary<object, object>>())
        {
            var keys = List(declaration, "dimensions").Cast<List<object>>().SelectMany(set => set.Cast<string>()).ToList();
            foreach (var seed in List(declaration, "metric_name_selectors").Cast<string>())
            {
                foreach (var key in keys)
                {
                    Assert.True(
                        sources[seed].Any(i => _tagKeys.TryGetValue(i, out var seen) && seen.ContainsKey(key)),
                        $"{seed} is dimensioned by '{key}', which {string.Join(" or ", sources[seed])} never records");
                }
            }
        }
    }

    [Fact]
    public void CollectorConfig_Pipelines_SendTheSeedMetricsToCloudWatchAndTracesToXRay()
    {
        var config = CollectorConfig();
        var emf = Map(config, "exporters", "awsemf");
        var declared = List(emf, "metric_declarations").Cast<Dictionary<object, object>>()
            .SelectMany(d => List(d, "metric_name_selectors").Cast<string>()).ToHashSet(StringComparer.Ordinal);

        Assert.Equal("MCP/Production", emf["namespace"]);
        Assert.Subset(declared, SeedMetrics.ToHashSet(StringComparer.Ordinal));
        Assert.True(Map(config, "exporters").ContainsKey("awsxray"));

        var pipelines = Map(config, "service", "pipelines");
        Assert.Equal(["awsemf"], List(Map(pipelines, "metrics"), "exporters").Cast<string>());
        Assert.Equal(["awsxray"], List(Map(pipelines, "traces"), "exporters").Cast<string>());
        foreach (var pipeline in pipelines.Values.Cast<Dictionary<object, object>>())
        {
            Assert.All(List(pipeline, "receivers").Cast<string>(), r => Assert.True(Map(config, "receivers").ContainsKey(r), r));
            Assert.All(List(pipeline, "processors").Cast<string>(), p => Assert.True(Map(config, "processors").ContainsKey(p), p));
        }

        // The server's OTLP endpoint (Kustomize base ConfigMap) is the collector's Service and gRPC port.
        var endpoint = new Uri((string)Map(KubernetesManifestTests.Single("configmap.yaml", "ConfigMap"), "data")["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var service = Documents(AwsFile("otel-collector.yaml")).Single(d => (string)d["kind"] == "Service");
        Assert.Equal($"{Map(service, "metadata")["name"]}.{Map(service, "metadata")["namespace"]}", endpoint.Host);
        Assert.Equal(4317, endpoint.Port);
    }

    [Fact]
    public void FluentBitConfig_Parses_AndShipsEachApplicationToItsLogGroup()
    {
        var (conf, parsers) = FluentBitConfig();

        var parser = Assert.Single(parsers, s => s.Name == "PARSER");
        Assert.Equal("json", parser["Format"]);
        var outputs = conf.Where(s => s.Name == "OUTPUT").ToList();
        Assert.All(outputs, o => Assert.Equal("cloudwatch_logs", o["Name"]));
        Assert.Equal(["/mcp/admin-ui", "/mcp/chat-ui", "/mcp/server"], outputs.Select(o => o["log_group_name"]).Order(StringComparer.Ordinal));

        foreach (var (component, file) in new[] { ("server", "deployment.yaml"), ("admin-ui", "admin-ui.yaml"), ("chat-ui", "chat-ui.yaml") })
        {
            var output = outputs.Single(o => o["log_group_name"] == "/mcp/" + component);
            var input = conf.Single(s => s.Name == "INPUT" && s["Tag"] == output["Match"]);
            var filter = conf.Single(s => s.Name == "FILTER" && s["Match"] == output["Match"]);
            Assert.Equal("kubernetes", filter["Name"]);
            Assert.Equal(parser["Name"], filter["Merge_Parser"]);
            Assert.Equal("On", filter["Merge_Log"]);
            Assert.StartsWith(output["Match"].TrimEnd('*'), filter["Kube_Tag_Prefix"], StringComparison.Ordinal);

            // The tail path names the pods and the container of that application's Deployment.
            var deployment = KubernetesManifestTests.Single(file, "Deployment");
            var name = (string)Map(deployment, "metadata")["name"];
            var container = (string)((Dictionary<object, object>)List(Map(deployment, "spec", "template", "spec"), "containers")[0])["name"];
            Assert.Equal($"/var/log/containers/{name}-*_msil-mcp_{container}-*.log", input["Path"]);
        }
    }

    [Fact]
    public void FluentBitParser_ReferenceServerJsonLogLine_CarriesTheFieldsTheParserExpects()
    {
        var (_, parsers) = FluentBitConfig();
        var parser = parsers.Single(s => s.Name == "PARSER");
        var line = ServerLogLine();

        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        var timestamp = root.GetProperty(parser["Time_Key"]).GetString()!;
        Assert.True(
            DateTimeOffset.TryParseExact(timestamp, StrftimeToDotNet(parser["Time_Format"]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
            $"'{timestamp}' does not match the parser's Time_Format {parser["Time_Format"]}");
        foreach (var field in new[] { "EventId", "LogLevel", "Category", "Message" })
        {
            Assert.True(root.TryGetProperty(field, out _), $"the log line has no {field}: {line}");
        }

        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal(110, root.GetProperty("EventId").GetInt32());
        Assert.DoesNotContain('\n', line.TrimEnd());
    }

    /// <summary>One line as the reference server writes it: the console's JSON formatter with the options of appsettings.json.</summary>
    private static string ServerLogLine()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepoFiles.ReferenceServer, "appsettings.json"))
            .Build();
        using var services = new ServiceCollection()
            .AddLogging(b => b.AddConfiguration(configuration.GetSection("Logging")).AddConsole())
            .BuildServiceProvider();
        var name = configuration["Logging:Console:FormatterName"];
        var formatter = services.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
        using var writer = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Information, "Msil.Mcp.Pipeline.ToolCallPipeline", new EventId(110, "PolicyDenied"), "Call to tool 'create_booking' denied by opa (decision d-1)", null, static (s, _) => s);
        formatter.Write(entry, new LoggerExternalScopeProvider(), writer);
        return writer.ToString();
    }

    private static string StrftimeToDotNet(string format) => format
        .Replace("%Y", "yyyy", StringComparison.Ordinal).Replace("%m", "MM", StringComparison.Ordinal).Replace("%d", "dd", StringComparison.Ordinal)
        .Replace("%H", "HH", StringComparison.Ordinal).Replace("%M", "mm", StringComparison.Ordinal).Replace("%S", "ss", StringComparison.Ordinal)
        .Replace("%L", "fff", StringComparison.Ordinal).Replace("T", "'T'", StringComparison.Ordinal).Replace("Z", "'Z'", StringComparison.Ordinal);

    private async Task CallAsync(string authorization)
    {
        const string Json = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_vehicle_inventory","arguments":{}}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.BaseUrl + "/mcp") { Content = new StringContent(Json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await _server.Http.SendAsync(request, Ct);
        _ = await response.Content.ReadAsStringAsync(Ct);
    }

    private static Dictionary<object, object> CollectorConfig()
    {
        var configMap = Documents(AwsFile("otel-collector.yaml")).Single(d => (string)d["kind"] == "ConfigMap");
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>((string)Map(configMap, "data")["collector.yaml"]);
    }

    private static (List<FluentBitSection> Conf, List<FluentBitSection> Parsers) FluentBitConfig()
    {
        var data = Map(Documents(AwsFile("fluent-bit.yaml")).Single(d => (string)d["kind"] == "ConfigMap"), "data");
        var conf = FluentBitSection.Parse((string)data["fluent-bit.conf"]);
        var service = Assert.Single(conf, s => s.Name == "SERVICE");
        return (conf, FluentBitSection.Parse((string)data[service["Parsers_File"]]));
    }

    private static List<Dictionary<object, object>> Documents(string file)
    {
        using var reader = new StringReader(File.ReadAllText(file));
        var parser = new Parser(reader);
        var deserializer = new DeserializerBuilder().Build();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            documents.Add(deserializer.Deserialize<Dictionary<object, object>>(parser));
        }

        return documents;
    }

    private static Dictionary<object, object> Map(Dictionary<object, object> node, params string[] path)
    {
        object current = node;
        foreach (var key in path)
        {
            var map = Assert.IsType<Dictionary<object, object>>(current);
            Assert.True(map.TryGetValue(key, out current!), $"no '{key}' in {string.Join('.', path)}");
        }

        return Assert.IsType<Dictionary<object, object>>(current);
    }

    private static List<object> List(Dictionary<object, object> node, string key) => Assert.IsType<List<object>>(node[key]);

    /// <summary>One section of Fluent Bit's classic configuration format: <c>[NAME]</c> then indented <c>Key Value</c> lines.</summary>
    private sealed class FluentBitSection(string name)
    {
        private readonly Dictionary<string, string> _entries = new(StringComparer.OrdinalIgnoreCase);

        public string Name { get; } = name;

        public string this[string key] => _entries.TryGetValue(key, out var value) ? value : throw new Xunit.Sdk.XunitException($"[{Name}] has no {key}");

        public static List<FluentBitSection> Parse(string text)
        {
            var sections = new List<FluentBitSection>();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                if (line.StartsWith('[') && line.EndsWith(']'))
                {
                    sections.Add(new FluentBitSection(line[1..^1]));
                    continue;
                }

                Assert.True(sections.Count > 0, $"'{line}' comes before any [SECTION]");
                Assert.True(char.IsWhiteSpace(raw[0]), $"'{line}' is not indented under [{sections[^1].Name}]");
                var space = line.IndexOfAny([' ', '\t']);
                Assert.True(space > 0, $"'{line}' has a key but no value");
                Assert.True(sections[^1]._entries.TryAdd(line[..space], line[space..].Trim()), $"[{sections[^1].Name}] sets {line[..space]} twice");
            }

            Assert.NotEmpty(sections);
            return sections;
        }
    }
}
