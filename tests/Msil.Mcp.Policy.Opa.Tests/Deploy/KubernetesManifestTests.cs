using System.Text;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.Deploy;

/// <summary>
/// The reference server's OPA artifacts (samples/Msil.Mcp.ReferenceServer/deploy/kustomize/base): the ConfigMap carries exactly the
/// package's policy files, and the sidecar runs OPA on loopback with them. YAML is read line by line: the ConfigMap
/// keeps each file as a <c>|</c> block scalar under <c>data:</c>.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string[] PolicyFiles = ["authz.rego", "rbac.rego", "tool_access.rego", "data.json"];

    [Fact]
    public void ConfigMap_Data_EqualsThePackagesPolicyFiles()
    {
        var path = RepoFiles.Deploy("opa-policies.configmap.yaml");
        var entries = ReadConfigMapData(RepoFiles.ReadText(path));

        var expected = PolicyFiles.ToDictionary(f => f, f => RepoFiles.ReadText(RepoFiles.Policy(f)).TrimEnd(), StringComparer.Ordinal);
        var same = entries.Count == expected.Count && expected.All(e => entries.TryGetValue(e.Key, out var text) && text.TrimEnd() == e.Value);
        if (!same)
        {
            var received = Path.Combine(AppContext.BaseDirectory, "opa-policies.configmap.received.yaml");
            File.WriteAllText(received, Render(RepoFiles.ReadText(path), expected));
        }

        Assert.Equal(PolicyFiles.Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, text) in expected)
        {
            Assert.True(entries[file].TrimEnd() == text, $"{file} in opa-policies.configmap.yaml differs from src/Msil.Mcp.Policy.Opa/policies/{file}; the expected ConfigMap was written to opa-policies.configmap.received.yaml in the test output folder.");
        }
    }

    [Fact]
    public void ConfigMap_Metadata_IsTheOpaPoliciesConfigMap()
    {
        var lines = RepoFiles.ReadText(RepoFiles.Deploy("opa-policies.configmap.yaml")).Split('\n');

        Assert.Contains("kind: ConfigMap", lines);
        Assert.Contains("apiVersion: v1", lines);
        Assert.Equal("opa-policies", ValueAfter(lines, "metadata:", "name"));
    }

    [Fact]
    public void Sidecar_Container_RunsOpaOnLoopbackWithTheConfigMapAndAHealthProbe()
    {
        var lines = RepoFiles.ReadText(RepoFiles.Deploy("opa-sidecar.yaml")).Split('\n');

        Assert.StartsWith("openpolicyagent/opa:", ValueAfter(lines, "containers:", "image"), StringComparison.Ordinal);
        var args = ListUnder(lines, "args");
        Assert.Equal("run", args[0]);
        Assert.Contains("--server", args);
        Assert.Contains("--addr=127.0.0.1:8181", args);
        Assert.Contains("--ignore=.*", args);
        Assert.Equal("/policies", args[^1]);
        Assert.Equal("/health", ValueAfter(lines, "readinessProbe:", "path"));
        Assert.Equal("/policies", ValueAfter(lines, "volumeMounts:", "mountPath"));
        Assert.Equal("opa-policies", ValueAfter(lines, "configMap:", "name"));
    }

    [Fact]
    public void Sidecar_ReadinessProbe_UsesTheDiagnosticPortBecauseTheApiIsOnLoopback()
    {
        var lines = RepoFiles.ReadText(RepoFiles.Deploy("opa-sidecar.yaml")).Split('\n');
        var args = ListUnder(lines, "args");

        var diagnostic = Assert.Single(args, a => a.StartsWith("--diagnostic-addr=", StringComparison.Ordinal));
        var port = diagnostic[(diagnostic.LastIndexOf(':') + 1)..];
        Assert.Equal("opa-diag", ValueAfter(lines, "readinessProbe:", "port"));
        Assert.Equal(port, ValueAfter(lines, "- name: opa-diag", "containerPort"));
    }

    /// <summary>Reads <c>data:</c> entries of the form <c>  key: |</c> followed by lines indented by four spaces (or empty).</summary>
    internal static Dictionary<string, string> ReadConfigMapData(string yaml)
    {
        var lines = yaml.Split('\n');
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var start = Array.IndexOf(lines, "data:");
        Assert.True(start >= 0, "opa-policies.configmap.yaml has no top-level 'data:'.");
        string? key = null;
        var text = new StringBuilder();
        for (var i = start + 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("   ", StringComparison.Ordinal) && line.EndsWith(": |", StringComparison.Ordinal))
            {
                Flush();
                key = line[2..^3];
                continue;
            }

            if (line.Length == 0 || line.StartsWith("    ", StringComparison.Ordinal))
            {
                Assert.True(key is not null, $"Line {i + 1} of the ConfigMap is content outside an entry.");
                text.Append(line.Length == 0 ? string.Empty : line[4..]).Append('\n');
                continue;
            }

            break;
        }

        Flush();
        return entries;

        void Flush()
        {
            if (key is not null)
            {
                entries.Add(key, text.ToString());
                text.Clear();
            }
        }
    }

    private static string Render(string current, Dictionary<string, string> files)
    {
        var head = current[..(current.IndexOf("\ndata:\n", StringComparison.Ordinal) + "\ndata:\n".Length)];
        var sb = new StringBuilder(head);
        foreach (var file in PolicyFiles)
        {
            sb.Append("  ").Append(file).Append(": |\n");
            foreach (var line in files[file].Split('\n'))
            {
                sb.Append(line.Length == 0 ? string.Empty : "    " + line).Append('\n');
            }
        }

        return sb.ToString();
    }

    // The value of the first "key: value" line after the first line that is (after indentation) `anchor`.
    private static string ValueAfter(string[] lines, string anchor, string key)
    {
        var at = Array.FindIndex(lines, l => l.Trim() == anchor);
        Assert.True(at >= 0, $"No line '{anchor}'.");
        for (var i = at + 1; i < lines.Length; i++)
        {
            var trimmed = lines[i].Trim();
            if (trimmed.StartsWith(key + ":", StringComparison.Ordinal))
            {
                return trimmed[(key.Length + 1)..].Trim();
            }
        }

        throw new Xunit.Sdk.XunitException($"No '{key}:' after '{anchor}'.");
    }

    // The scalar items of the sequence under the first `key:` line.
    private static List<string> ListUnder(string[] lines, string key)
    {
        var at = Array.FindIndex(lines, l => l.Trim() == key + ":");
        Assert.True(at >= 0, $"No line '{key}:'.");
        var items = new List<string>();
        for (var i = at + 1; i < lines.Length && lines[i].TrimStart().StartsWith("- ", StringComparison.Ordinal); i++)
        {
            items.Add(lines[i].TrimStart()[2..].Trim());
        }

        return items;
    }
}
