using System.Net;
using System.Text.Json;

namespace Msil.Mcp.SampleBackend.Tests;

public sealed class SampleBackendOpenApiTests
{
    private static readonly string[] OperationIds =
        ["getDealerEnquiries", "createBooking", "getVehicleInventory", "updateEnquiryStatus", "processPayment", "deleteCustomerData"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenDocument_EmbeddedDocument_IsOpenApi310WithTheSixOperations()
    {
        await using var stream = SampleBackendOpenApi.OpenDocument();
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: Ct);
        var root = document.RootElement;

        Assert.Equal("3.1.0", root.GetProperty("openapi").GetString());
        Assert.Equal("/backend", root.GetProperty("servers")[0].GetProperty("url").GetString());
        Assert.Equal(OperationIds.Order(), Operations(root).Select(o => o.GetProperty("operationId").GetString()).Order());
        Assert.Equal("sample-backend", SampleBackendOpenApi.DocumentName);
    }

    [Fact]
    public async Task OpenApiEndpoint_WithoutToken_ServesTheEmbeddedDocument()
    {
        await using var host = await SampleBackendTestHost.StartAsync();

        using var response = await host.Client.GetAsync("/backend/openapi.json", Ct);
        var served = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(SampleBackendOpenApi.OpenDocument());
        Assert.Equal(await reader.ReadToEndAsync(Ct), served);
        using var document = JsonDocument.Parse(served);
        Assert.Equal("3.1.0", document.RootElement.GetProperty("openapi").GetString());
    }

    [Fact]
    public async Task OpenDocument_RiskLevels_MarkDeleteCustomerDataPrivileged()
    {
        using var document = await ParseEmbeddedAsync();
        var operations = Operations(document.RootElement).ToDictionary(o => o.GetProperty("operationId").GetString()!);

        Assert.Equal("privileged", operations["deleteCustomerData"].GetProperty("x-mcp-risk-level").GetString());
        Assert.Equal("write", operations["processPayment"].GetProperty("x-mcp-risk-level").GetString());
        Assert.False(operations["getVehicleInventory"].TryGetProperty("x-mcp-risk-level", out _));
    }

    [Fact]
    public async Task OpenDocument_EveryLocalRef_ResolvesInComponents()
    {
        using var document = await ParseEmbeddedAsync();
        var root = document.RootElement;
        var refs = new List<string>();
        CollectRefs(root, refs);

        Assert.NotEmpty(refs);
        Assert.All(refs, reference =>
        {
            Assert.StartsWith("#/components/", reference, StringComparison.Ordinal);
            var target = root;
            foreach (var segment in reference[2..].Split('/'))
            {
                Assert.True(target.TryGetProperty(segment, out target), $"{reference} does not resolve.");
            }
        });

        // Nested ref: Booking -> Money -> CurrencyCode.
        var booking = root.GetProperty("components").GetProperty("schemas").GetProperty("Booking");
        Assert.Equal("#/components/schemas/Money", booking.GetProperty("properties").GetProperty("quoted_price").GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task OpenDocument_Operations_DeclareBearerSecurityAndProblemResponses()
    {
        using var document = await ParseEmbeddedAsync();
        var root = document.RootElement;

        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearerAuth");
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Equal("JWT", scheme.GetProperty("bearerFormat").GetString());
        Assert.True(root.GetProperty("security")[0].TryGetProperty("bearerAuth", out _));
        foreach (var operation in Operations(root))
        {
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("description").GetString()));
        }
    }

    private static async Task<JsonDocument> ParseEmbeddedAsync()
    {
        await using var stream = SampleBackendOpenApi.OpenDocument();
        return await JsonDocument.ParseAsync(stream, cancellationToken: Ct);
    }

    private static IEnumerable<JsonElement> Operations(JsonElement root) =>
        root.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject().Select(operation => operation.Value));

    private static void CollectRefs(JsonElement element, List<string> refs)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref")
                    {
                        refs.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        CollectRefs(property.Value, refs);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CollectRefs(item, refs);
                }

                break;
        }
    }
}
