using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>Security requirements and schemes (OpenAPI 3.0, 3.1 and Swagger 2.0) as the compiler reads them.</summary>
public sealed class SecurityCompilerTests
{
    private static OpenApiCompilation Compile(string text) => new OpenApiToolCompiler().Compile(text, "secure");

    private static ToolDefinition Tool(OpenApiCompilation compilation, string name) => Assert.Single(compilation.Tools, t => t.Name == name);

    [Fact]
    public void Compile_OpenApi30OAuthScopes_DocumentLevelOperationLevelAndNone()
    {
        var compilation = Compile(XmlOrdersSpec.Yaml);

        var get = Tool(compilation, "get_order");
        Assert.Equal(["orders.read"], get.RequiredScopes);
        Assert.Equal([new BackendCredential("orders_oauth", BackendCredentialKind.Bearer)], get.Http!.Credentials);
        Assert.Equal(["orders.read", "orders.write"], Tool(compilation, "create_order").RequiredScopes);
        var health = Tool(compilation, "get_health");
        Assert.Empty(health.RequiredScopes);
        Assert.Empty(health.Http!.Credentials);
        Assert.DoesNotContain(compilation.Lint, l => l.Code == "security-unsatisfiable");
    }

    [Fact]
    public void Compile_OpenApi31Schemes_BearerApiKeyAndTheOnesTheGatewayCannotSend()
    {
        var compilation = Compile("""
            openapi: 3.1.0
            info: {title: t, version: '1'}
            security: [{oidc: [profile.read]}]
            paths:
              /profile:
                get: {operationId: readProfile, summary: Read the caller's profile, responses: {'200': {description: ok}}}
              /keyed:
                get: {operationId: readKeyed, summary: Read with an API key header, security: [{key: []}], responses: {'200': {description: ok}}}
              /bearer:
                get: {operationId: readBearer, summary: Read with a plain bearer token, security: [{jwt: []}], responses: {'200': {description: ok}}}
              /basic:
                get: {operationId: readBasic, summary: Read with basic authentication, security: [{basic: []}], responses: {'200': {description: ok}}}
              /cookie:
                get: {operationId: readCookie, summary: Read with a session cookie key, security: [{session: []}], responses: {'200': {description: ok}}}
              /mtls:
                get: {operationId: readMtls, summary: Read over mutual TLS to the backend, security: [{mtls: []}], responses: {'200': {description: ok}}}
              /either:
                get: {operationId: readEither, summary: Read with basic or with OIDC, security: [{basic: []}, {oidc: [profile.read, extra]}], responses: {'200': {description: ok}}}
              /undefined:
                get: {operationId: readUndefined, summary: Read with a scheme nobody defined, security: [{ghost: []}], responses: {'200': {description: ok}}}
            components:
              securitySchemes:
                oidc: {type: openIdConnect, openIdConnectUrl: 'https://login.example/.well-known/openid-configuration'}
                key: {type: apiKey, in: header, name: X-Backend-Key}
                jwt: {type: http, scheme: bearer, bearerFormat: JWT}
                basic: {type: http, scheme: basic}
                session: {type: apiKey, in: cookie, name: sid}
                mtls: {type: mutualTLS}
            """);

        Assert.Equal(["profile.read"], Tool(compilation, "read_profile").RequiredScopes);
        Assert.Equal([new BackendCredential("key", BackendCredentialKind.ApiKeyHeader, "X-Backend-Key")], Tool(compilation, "read_keyed").Http!.Credentials);
        Assert.Equal([new BackendCredential("jwt", BackendCredentialKind.Bearer)], Tool(compilation, "read_bearer").Http!.Credentials);
        var either = Tool(compilation, "read_either");
        Assert.Equal(["extra", "profile.read"], either.RequiredScopes);
        Assert.Equal(BackendCredentialKind.Bearer, Assert.Single(either.Http!.Credentials).Kind);

        var unsatisfiable = compilation.Lint.Where(l => l.Code == "security-unsatisfiable").ToDictionary(l => l.Tool, l => l.Message);
        Assert.Equal(["read_basic", "read_cookie", "read_mtls", "read_undefined"], unsatisfiable.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("HTTP basic", unsatisfiable["read_basic"], StringComparison.Ordinal);
        Assert.Contains("cookie", unsatisfiable["read_cookie"], StringComparison.Ordinal);
        Assert.Contains("mutual TLS", unsatisfiable["read_mtls"], StringComparison.Ordinal);
        Assert.Contains("'ghost' is not defined", unsatisfiable["read_undefined"], StringComparison.Ordinal);
        Assert.Empty(Tool(compilation, "read_basic").Http!.Credentials);
    }

    [Fact]
    public void Compile_Swagger20SecurityDefinitions_AreRead()
    {
        var compilation = Compile("""
            swagger: '2.0'
            info: {title: t, version: '1'}
            securityDefinitions:
              oauth: {type: oauth2, flow: application, tokenUrl: 'https://login.example/token', scopes: {a.read: read, a.write: write}}
              key: {type: apiKey, in: header, name: X-Backend-Key}
              basic: {type: basic}
            security: [{oauth: [a.read]}]
            paths:
              /a:
                get: {operationId: readA, summary: Read the a resource, responses: {'200': {description: ok}}}
                post: {operationId: writeA, summary: Write the a resource, security: [{oauth: [a.write, a.read]}], responses: {'200': {description: ok}}}
              /key:
                get: {operationId: readKey, summary: Read with the backend key, security: [{key: []}], responses: {'200': {description: ok}}}
              /basic:
                get: {operationId: readBasic, summary: Read with basic authentication, security: [{basic: []}], responses: {'200': {description: ok}}}
              /open:
                get: {operationId: readOpen, summary: Read without any credentials, security: [], responses: {'200': {description: ok}}}
            """);

        Assert.Equal(["a.read"], Tool(compilation, "read_a").RequiredScopes);
        Assert.Equal(["a.read", "a.write"], Tool(compilation, "write_a").RequiredScopes);
        Assert.Equal(BackendCredentialKind.ApiKeyHeader, Assert.Single(Tool(compilation, "read_key").Http!.Credentials).Kind);
        Assert.Empty(Tool(compilation, "read_open").RequiredScopes);
        Assert.Contains(compilation.Lint, l => l is { Tool: "read_basic", Code: "security-unsatisfiable" });
    }

    [Fact]
    public void Compile_AlternativeWithoutOAuth_RequiresNoScope()
    {
        var compilation = Compile("""
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /a:
                get:
                  operationId: readA
                  summary: Read with a token or with the API key
                  security: [{oauth: [a.read]}, {key: []}]
                  responses: {'200': {description: ok}}
            components:
              securitySchemes:
                oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://login.example/token', scopes: {a.read: read}}}}
                key: {type: apiKey, in: header, name: X-Backend-Key}
            """);

        var tool = Assert.Single(compilation.Tools);
        Assert.Empty(tool.RequiredScopes);
        Assert.Equal(BackendCredentialKind.Bearer, Assert.Single(tool.Http!.Credentials).Kind);
    }

    [Fact]
    public void Compile_RequiredScopes_ArePartOfTheContentHash()
    {
        const string Template = """
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /a:
                get: {operationId: readA, summary: Read the a resource, security: [{oauth: [SCOPE]}], responses: {'200': {description: ok}}}
            components:
              securitySchemes:
                oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://login.example/token', scopes: {a.read: read, a.all: all}}}}
            """;

        var read = Assert.Single(Compile(Template.Replace("SCOPE", "a.read", StringComparison.Ordinal)).Tools);
        var all = Assert.Single(Compile(Template.Replace("SCOPE", "a.all", StringComparison.Ordinal)).Tools);

        Assert.NotEqual(read.ContentHash, all.ContentHash);
        Assert.Equal(read.ContentHash, ToolDefinitionHasher.Compute(read));
    }
}
