using Microsoft.AspNetCore.Authentication;
using Msil.Mcp.Conformance;

namespace Msil.Mcp.Auth.Tests;

/// <summary>The conformance checks every package passes (<see cref="FeatureConformanceTests{TOptions}"/>), for Msil.Mcp.Auth.</summary>
public sealed class AuthConformanceTests : FeatureConformanceTests<MsilAuthOptions>
{
    protected override string TelemetryName => "Msil.Mcp.Auth";

    protected override IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>
    {
        ["Msil:Mcp:Auth:Issuers:0:Issuer"] = "https://login.example/tenant/v2.0",
    };

    protected override IReadOnlyDictionary<string, string?> BadConfiguration => new Dictionary<string, string?> { ["Msil:Mcp:Auth:MaxTokenBytes"] = "512" };

    protected override string BadConfigurationKey => "Msil:Mcp:Auth:MaxTokenBytes";

    protected override void AddFeature(IMsilMcpBuilder builder) => builder.AddMsilAuth();

    protected override void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration) => builder.AddMsilAuth(configuration.GetSection(MsilAuthOptions.SectionName));

    protected override async ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        services.GetRequiredService<AuthTelemetry>();
        _ = AuthTelemetry.Source;

        // A refused bearer token goes through the handler: counted, traced and logged (categories of the package).
        using var scope = services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = "Bearer not-a-token";
        var result = await scope.ServiceProvider.GetRequiredService<IAuthenticationService>().AuthenticateAsync(context, MsilAuthDefaults.AuthenticationScheme);
        Assert.False(result.Succeeded);
        services.GetRequiredService<Msil.Mcp.Abstractions.IDownstreamTokenProvider>();
    }
}
