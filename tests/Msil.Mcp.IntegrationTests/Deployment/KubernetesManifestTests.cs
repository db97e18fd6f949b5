using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Msil.Mcp.Apim;
using Msil.Mcp.Audit;
using Msil.Mcp.Auth;
using Msil.Mcp.Elevation;
using Msil.Mcp.Policy.Opa;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Registry;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Msil.Mcp.IntegrationTests.Deployment;

/// <summary>
/// The reference server's Kubernetes manifests (the Kustomize base, samples/Msil.Mcp.ReferenceServer/deploy/kustomize/base), parsed with YamlDotNet:
/// the parts issue 11 asks for are there, and they agree with each other, with the server's configuration keys (every
/// <c>Msil__Mcp__…</c> variable names a real options property, and enum values parse) and with the container settings
/// of the project file (port, user, repository).
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.Ordinal)
    {
        ["RateLimit"] = typeof(RateLimitOptions),
        ["Auth"] = typeof(MsilAuthOptions),
        ["Registry"] = typeof(ToolRegistryOptions),
        ["Policy"] = typeof(OpaPolicyOptions),
        ["Elevation"] = typeof(ElevationOptions),
        ["Apim"] = typeof(ApimOptions),
        ["Audit"] = typeof(AuditOptions),
    };

    // Variables that are not Msil.Mcp options: the host's own, and OpenTelemetry's.
    private static readonly HashSet<string> HostVariables = new(StringComparer.Ordinal)
    {
        "ASPNETCORE_ENVIRONMENT", "ASPNETCORE_URLS", "AllowedHosts", "OTEL_EXPORTER_OTLP_ENDPOINT",
    };

    private static readonly string[] SecretSettings =
    [
        "Msil__Mcp__RateLimit__RedisConnectionString",
        "Msil__Mcp__Elevation__RedisConnectionString",
        "Msil__Mcp__Auth__RedisConnectionString",
        "Msil__Mcp__Audit__PostgreSql__ConnectionString",
        "Msil__Mcp__Registry__ConnectionString",
        "Msil__Mcp__Registry__Redis",
        "Msil__Mcp__KeyRingRedisConnectionString",
        "Msil__Mcp__Auth__Downstream__ClientSecret",
        "Msil__Mcp__Apim__SubscriptionKey",
    ];

    private static Dictionary<object, object> Deployment => Single("deployment.yaml", "Deployment");

    private static Dictionary<object, object> PodSpec => Map(Deployment, "spec", "template", "spec");

    private static Dictionary<object, object> Server => Container(PodSpec, "mcp-server");

    private static Dictionary<string, string> ConfigData => Map(Single("configmap.yaml", "ConfigMap"), "data").ToDictionary(e => (string)e.Key, e => (string)e.Value, StringComparer.Ordinal);

    [Fact]
    public void Kustomization_ListsEveryApplicationManifest()
    {
        var resources = List(Single("kustomization.yaml", "Kustomization"), "resources").Cast<string>().ToList();

        Assert.Equal(
            ["admin-ui.yaml", "chat-ui.yaml", "configmap.yaml", "deployment.yaml", "hpa.yaml", "ingress.yaml", "networkpolicy.yaml", "opa-policies.configmap.yaml", "pdb.yaml", "service.yaml", "serviceaccount.yaml"],
            resources.Order(StringComparer.Ordinal));
        Assert.All(resources, r => Assert.True(File.Exists(RepoFiles.Kubernetes(r)), r));
    }

    [Fact]
    public void Deployment_OpaSidecar_IsTheStandalonePodsContainerWithItsConfigMap()
    {
        var sidecar = Container(Map(Single("opa-sidecar.yaml", "Pod"), "spec"), "opa");
        var opa = Container(PodSpec, "opa");

        Assert.Equal(Scalar(sidecar, "image"), Scalar(opa, "image"));
        Assert.Equal(List(sidecar, "args"), List(opa, "args"));
        var volume = List(PodSpec, "volumes").Cast<Dictionary<object, object>>().Single(v => (string)v["name"] == "opa-policies");
        Assert.Equal(Scalar(Single("opa-policies.configmap.yaml", "ConfigMap"), "metadata", "name"), Scalar(volume, "configMap", "name"));
        Assert.Equal("/policies", Scalar(List(opa, "volumeMounts").Cast<Dictionary<object, object>>().Single(), "mountPath"));

        // The server asks the sidecar where it listens: on the pod's loopback.
        var addr = List(opa, "args").Cast<string>().Single(a => a.StartsWith("--addr=", StringComparison.Ordinal))["--addr=".Length..];
        Assert.Equal(new Uri(ConfigData["Msil__Mcp__Policy__Endpoint"]).Authority, addr);
        Assert.Equal("Opa", ConfigData["Msil__Mcp__Policy__Engine"]);
    }

    [Fact]
    public void Deployment_Probes_UseTheHealthEndpointsOnTheServersPort()
    {
        var port = ServerPort();

        Assert.Equal("/health/live", Scalar(Server, "livenessProbe", "httpGet", "path"));
        Assert.Equal("/health/ready", Scalar(Server, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Scalar(Server, "startupProbe", "httpGet", "path"));
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            Assert.Equal((string)port["name"], Scalar(Server, probe, "httpGet", "port"));

            // Host filtering refuses the pod IP: the probes name a host that AllowedHosts lists.
            var host = List(Map(Server, probe, "httpGet"), "httpHeaders").Cast<Dictionary<object, object>>().Single(h => (string)h["name"] == "Host");
            Assert.Contains((string)host["value"], ConfigData["AllowedHosts"].Split(';'));
        }

        Assert.Equal(ContainerPortOfProject(), int.Parse((string)port["containerPort"], CultureInfo.InvariantCulture));
        Assert.Equal(new Uri(ConfigData["ASPNETCORE_URLS"].Replace("+", "localhost", StringComparison.Ordinal)).Port, int.Parse((string)port["containerPort"], CultureInfo.InvariantCulture));
        Assert.Equal((string)port["containerPort"], Scalar(Deployment, "spec", "template", "metadata", "annotations", "prometheus.io/port"));
    }

    [Fact]
    public void Deployment_Resources_RequestsAndLimitsForEveryContainer()
    {
        foreach (var container in List(PodSpec, "containers").Cast<Dictionary<object, object>>())
        {
            Assert.NotEmpty(Scalar(container, "resources", "requests", "cpu"));
            Assert.NotEmpty(Scalar(container, "resources", "requests", "memory"));
            Assert.NotEmpty(Scalar(container, "resources", "limits", "memory"));
        }

        Assert.NotEmpty(Scalar(Server, "resources", "limits", "cpu"));
    }

    [Fact]
    public void Deployment_Secrets_AreReferencedNeverWritten()
    {
        var env = List(Server, "env").Cast<Dictionary<object, object>>().ToDictionary(e => (string)e["name"], StringComparer.Ordinal);

        foreach (var name in SecretSettings)
        {
            Assert.True(env.ContainsKey(name), $"{name} is set from the Secret");
            Assert.False(env[name].ContainsKey("value"), $"{name} has a literal value");
            Assert.Equal("msil-mcp-server-secrets", Scalar(env[name], "valueFrom", "secretKeyRef", "name"));
            Assert.NotEmpty(Scalar(env[name], "valueFrom", "secretKeyRef", "key"));
        }

        Assert.All(env.Values, e => Assert.False(e.ContainsKey("value") && LooksSecret((string)e["name"]), (string)e["name"]));
        Assert.DoesNotContain(ConfigData.Keys, LooksSecret);
        Assert.Equal("msil-mcp-server-config", Scalar(List(Server, "envFrom").Cast<Dictionary<object, object>>().Single(), "configMapRef", "name"));
    }

    [Fact]
    public void Deployment_S3_UsesTheServiceAccountsRoleNotAccessKeys()
    {
        var env = List(Server, "env").Cast<Dictionary<object, object>>().Select(e => (string)e["name"]).ToList();
        var account = Single("serviceaccount.yaml", "ServiceAccount");

        Assert.DoesNotContain("Msil__Mcp__Audit__S3__AccessKey", env);
        Assert.DoesNotContain("Msil__Mcp__Audit__S3__SecretKey", env);
        Assert.Equal(Scalar(account, "metadata", "name"), Scalar(PodSpec, "serviceAccountName"));
        Assert.StartsWith("arn:aws:iam::", Scalar(account, "metadata", "annotations", "eks.amazonaws.com/role-arn"), StringComparison.Ordinal);
        Assert.Equal("Kms", ConfigData["Msil__Mcp__Audit__S3__ServerSideEncryption"]);
    }

    [Fact]
    public void Environment_EveryMsilVariable_NamesARealOptionsPropertyWithAValidValue()
    {
        var names = ConfigData.Select(e => (e.Key, (string?)e.Value))
            .Concat(List(Server, "env").Cast<Dictionary<object, object>>().Select(e => ((string)e["name"], (string?)null)))
            .ToList();

        Assert.Contains(names, n => n.Item1.StartsWith("Msil__Mcp__", StringComparison.Ordinal));
        foreach (var (name, value) in names)
        {
            if (HostVariables.Contains(name))
            {
                continue;
            }

            var segments = name.Split("__");
            var (type, path) = segments switch
            {
                ["HostOptions", .. var rest] => (typeof(HostOptions), rest),
                ["Msil", "Mcp", var section, .. var rest] when Sections.TryGetValue(section, out var t) => (t, rest),
                ["Msil", "Mcp", .. var rest] => (typeof(MsilMcpOptions), rest),
                _ => throw new Xunit.Sdk.XunitException($"{name} is neither a Msil.Mcp option nor a known host variable"),
            };
            var property = Resolve(type, path, name);
            if (value is not null && Nullable.GetUnderlyingType(property) is var underlying && (underlying ?? property).IsEnum)
            {
                Assert.True(Enum.TryParse(underlying ?? property, value, ignoreCase: true, out _), $"{name}={value} is not a {(underlying ?? property).Name}");
            }
            else if (value is not null && (property == typeof(TimeSpan) || property == typeof(TimeSpan?)))
            {
                Assert.True(TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _), $"{name}={value} is not a TimeSpan");
            }
        }
    }

    [Fact]
    public void Deployment_ShutdownAndSecurity_MatchTheServerAndTheImage()
    {
        var shutdown = TimeSpan.Parse(ConfigData["HostOptions__ShutdownTimeout"], CultureInfo.InvariantCulture);
        var preStop = int.Parse(Scalar(Server, "lifecycle", "preStop", "sleep", "seconds"), CultureInfo.InvariantCulture);
        var grace = int.Parse(Scalar(PodSpec, "terminationGracePeriodSeconds"), CultureInfo.InvariantCulture);
        Assert.True(grace > shutdown.TotalSeconds + preStop, "the pod's grace period outlasts the preStop pause plus the host's shutdown timeout");

        var project = XDocument.Load(RepoFiles.ReferenceServerProject);
        Assert.Equal(ProjectProperty(project, "ContainerUser"), Scalar(PodSpec, "securityContext", "runAsUser"));
        Assert.Equal("true", Scalar(PodSpec, "securityContext", "runAsNonRoot"));
        Assert.StartsWith(ProjectProperty(project, "ContainerRepository") + ":", Scalar(Server, "image"), StringComparison.Ordinal);
        Assert.Equal("true", Scalar(Server, "securityContext", "readOnlyRootFilesystem"));
        var auditDirectory = ConfigData["Msil__Mcp__Audit__Directory"];
        Assert.Contains(List(Server, "volumeMounts").Cast<Dictionary<object, object>>(), m => (string)m["mountPath"] == auditDirectory);
    }

    [Fact]
    public void ServiceAndAutoscaler_PointAtTheDeployment()
    {
        var service = Single("service.yaml", "Service");
        var hpa = Single("hpa.yaml", "HorizontalPodAutoscaler");
        var pdb = Single("pdb.yaml", "PodDisruptionBudget");
        var podLabels = Map(Deployment, "spec", "template", "metadata", "labels");

        Assert.All(Map(service, "spec", "selector"), s => Assert.Equal(s.Value, podLabels[s.Key]));
        Assert.All(Map(pdb, "spec", "selector", "matchLabels"), s => Assert.Equal(s.Value, podLabels[s.Key]));
        var port = Assert.Single(List(service, "spec", "ports").Cast<Dictionary<object, object>>());
        Assert.Equal((string)ServerPort()["name"], (string)port["targetPort"]);
        Assert.Equal("None", Scalar(service, "spec", "sessionAffinity"));

        Assert.Equal("Deployment", Scalar(hpa, "spec", "scaleTargetRef", "kind"));
        Assert.Equal(Scalar(Deployment, "metadata", "name"), Scalar(hpa, "spec", "scaleTargetRef", "name"));
        var min = int.Parse(Scalar(hpa, "spec", "minReplicas"), CultureInfo.InvariantCulture);
        Assert.True(min >= 2, "at least two replicas");
        Assert.True(int.Parse(Scalar(hpa, "spec", "maxReplicas"), CultureInfo.InvariantCulture) > min);
        Assert.Contains(List(hpa, "spec", "metrics").Cast<Dictionary<object, object>>(), m => Scalar(m, "resource", "name") == "cpu");
        Assert.True(int.Parse(Scalar(pdb, "spec", "minAvailable"), CultureInfo.InvariantCulture) < min, "a drain can still evict a pod");
    }

    /// <summary>The CLR type of the option that <paramref name="path"/> names under <paramref name="type"/>; list indexes and dictionary keys pass through.</summary>
    private static Type Resolve(Type type, string[] path, string variable)
    {
        foreach (var segment in path)
        {
            var element = ElementType(type);
            if (element is not null)
            {
                type = element;
                continue;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            Assert.True(property is not null, $"{variable}: {type.Name} has no property '{segment}'");
            type = property!.PropertyType;
        }

        Assert.True(ElementType(type) is null || type == typeof(string), $"{variable} names a collection, not a value");
        return type;
    }

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var dictionary = type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is not null)
        {
            return dictionary.GetGenericArguments()[1];
        }

        var list = type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return list?.GetGenericArguments()[0];
    }

    private static bool LooksSecret(string name) => SecretName().IsMatch(name);

    [GeneratedRegex("(ConnectionString|Secret|SecretKey|AccessKey|SubscriptionKey|Password|Token)$")]
    private static partial Regex SecretName();

    private static Dictionary<object, object> ServerPort() => List(Server, "ports").Cast<Dictionary<object, object>>().Single();

    private static int ContainerPortOfProject()
    {
        var project = XDocument.Load(RepoFiles.ReferenceServerProject);
        return int.Parse(project.Descendants("ContainerPort").Single().Attribute("Include")!.Value, CultureInfo.InvariantCulture);
    }

    private static string ProjectProperty(XDocument project, string name) => project.Descendants(name).Single().Value;

    private static Dictionary<object, object> Container(Dictionary<object, object> podSpec, string name)
        => List(podSpec, "containers").Cast<Dictionary<object, object>>().Single(c => (string)c["name"] == name);

    internal static Dictionary<object, object> Single(string file, string kind)
    {
        var documents = Documents(file).Where(d => d.TryGetValue("kind", out var k) && (string)k == kind).ToList();
        Assert.True(documents.Count == 1, $"{file} holds one {kind}");
        return documents[0];
    }

    private static List<Dictionary<object, object>> Documents(string file)
    {
        using var reader = new StringReader(File.ReadAllText(RepoFiles.Kubernetes(file)));
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

    private static List<object> List(Dictionary<object, object> node, params string[] path)
        => Assert.IsType<List<object>>(Map(node, path[..^1])[path[^1]]);

    private static string Scalar(Dictionary<object, object> node, params string[] path)
    {
        var parent = Map(node, path[..^1]);
        Assert.True(parent.TryGetValue(path[^1], out var value), $"no '{path[^1]}' in {string.Join('.', path)}");
        return Assert.IsType<string>(value);
    }
}
