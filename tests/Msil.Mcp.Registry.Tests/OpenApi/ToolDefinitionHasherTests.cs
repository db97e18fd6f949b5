using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>The canonical form behind <see cref="ToolDefinition.ContentHash"/>: members added later change only the tools that use them.</summary>
public sealed class ToolDefinitionHasherTests
{
    private static readonly ToolDefinition Plain = new()
    {
        Name = "get_dealer",
        Description = "Returns one dealer.",
        RiskLevel = RiskLevel.Read,
        InputSchema = JsonElement.Parse("""{"type":"object"}"""),
        Http = new HttpBinding { Method = "GET", PathTemplate = "/dealers/{id}", Parameters = [new HttpParameterBinding("id", "id", ParameterLocation.Path)] },
        Executor = "http",
        Source = "openapi:dealers",
        ContentHash = string.Empty,
    };

    // The canonical form as it was before body_xml, response_xml, credentials and required_scopes existed.
    private const string PlainCanonical =
        """{"name":"get_dealer","title":null,"description":"Returns one dealer.","version":"1.0.0","risk_level":"read","input_schema":{"type":"object"},"output_schema":null,"http":{"method":"GET","path_template":"/dealers/{id}","parameters":[{"argument":"id","name":"id","location":"Path","style":null,"explode":null}],"body_content_type":null,"gateway":null,"audience":null},"executor":"http","examples":[],"source":"openapi:dealers","domain":null,"idempotent":null}""";

    [Fact]
    public void Compute_DefinitionWithoutTheNewMembers_HashesAsBeforeTheyExisted()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(PlainCanonical)));

        Assert.Equal(expected, ToolDefinitionHasher.Compute(Plain));
    }

    [Fact]
    public void Compute_EachNewMember_ChangesTheHash()
    {
        var plain = ToolDefinitionHasher.Compute(Plain);
        var variants = new[]
        {
            Plain with { RequiredScopes = ["dealers.read"] },
            Plain with { Http = Plain.Http! with { Credentials = [new BackendCredential("oauth", BackendCredentialKind.Bearer)] } },
            Plain with { Http = Plain.Http! with { BodyXml = new XmlMapping { Name = "dealer" } } },
            Plain with { Http = Plain.Http! with { ResponseXml = new XmlMapping { Name = "dealer" } } },
            Plain with { Http = Plain.Http! with { ResponseXml = new XmlMapping { Name = "dealer", Properties = [new XmlMapping { Name = "id", Property = "id", Attribute = true }] } } },
        };

        var hashes = variants.Select(ToolDefinitionHasher.Compute).Append(plain).ToList();

        Assert.Equal(hashes.Count, hashes.Distinct(StringComparer.Ordinal).Count());
    }
}
