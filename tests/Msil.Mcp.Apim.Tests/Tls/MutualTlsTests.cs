using Microsoft.Extensions.Options;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests.Tls;

/// <summary>
/// mTLS against a loopback backend that requires a client certificate from a CA made in the test: the right certificate
/// works, a missing or wrong one fails clearly, an untrusted gateway is refused, and rotated files are picked up.
/// </summary>
public sealed class MutualTlsTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    private static Msil.Mcp.Abstractions.ToolDefinition Get => ApimHarness.Tool("get_inventory", "GET", "/v1/inventory");

    public void Dispose() => _certificates.Dispose();

    private ApimHarness Harness(ScriptedBackend backend, bool clientCertificate = true, string? caPath = null) => ApimHarness.Create(o =>
    {
        ApimHarness.Fast(o, new Uri($"https://localhost:{backend.Url.Port}"));
        o.CaCertificatePath = caPath ?? _certificates.CaPath;
        o.RetryMaxAttempts = 0;
        if (clientCertificate)
        {
            o.ClientCertificatePath = _certificates.ClientCertificatePath;
            o.ClientKeyPath = _certificates.ClientKeyPath;
        }
    });

    [Fact]
    public async Task ExecuteAsync_ClientCertificateFromTrustedCa_IsAccepted()
    {
        var client = _certificates.WriteClientCertificate(_certificates.Ca, "msil-mcp");
        await using var backend = await ScriptedBackend.StartAsync(_certificates.Server, clientCa: _certificates.Ca);
        await using var harness = Harness(backend);

        var result = await harness.CallAsync(Get);

        Assert.False(result.IsError, result.Text);
        Assert.Equal(client.Thumbprint, Assert.Single(backend.Requests).ClientCertificateThumbprint);
    }

    [Fact]
    public async Task ExecuteAsync_NoClientCertificate_FailsWithClearError()
    {
        await using var backend = await ScriptedBackend.StartAsync(_certificates.Server, clientCa: _certificates.Ca);
        await using var harness = Harness(backend, clientCertificate: false);

        var result = await harness.CallAsync(Get);

        Assert.True(result.IsError);
        Assert.Contains("ClientCertificatePath", result.Text, StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_ClientCertificateFromOtherCa_FailsWithClearError()
    {
        _certificates.WriteClientCertificate(_certificates.OtherCa, "intruder");
        await using var backend = await ScriptedBackend.StartAsync(_certificates.Server, clientCa: _certificates.Ca);
        await using var harness = Harness(backend);

        var result = await harness.CallAsync(Get);

        Assert.True(result.IsError);
        Assert.Contains("ClientCertificatePath", result.Text, StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_GatewayCertificateNotFromTheCaBundle_IsRefused()
    {
        _certificates.WriteClientCertificate(_certificates.Ca, "msil-mcp");
        await using var backend = await ScriptedBackend.StartAsync(_certificates.Server, clientCa: _certificates.Ca);
        await using var harness = Harness(backend, caPath: _certificates.OtherCaPath);

        var result = await harness.CallAsync(Get);

        Assert.True(result.IsError);
        Assert.Contains("CaCertificatePath", result.Text, StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_CertificateFilesRotated_NewConnectionsPresentTheNewCertificate()
    {
        var first = _certificates.WriteClientCertificate(_certificates.Ca, "msil-mcp-2025");
        await using var backend = await ScriptedBackend.StartAsync(_certificates.Server, clientCa: _certificates.Ca);

        // The backend closes each connection after answering, so every call opens a new one (as an expired pooled connection would).
        backend.Default = new Reply { Body = "{}", Headers = new Dictionary<string, string> { ["Connection"] = "close" } };
        await using var harness = Harness(backend);

        await harness.CallAsync(Get);
        var second = _certificates.WriteClientCertificate(_certificates.Ca, "msil-mcp-2026");
        var result = await harness.CallAsync(Get);

        Assert.False(result.IsError, result.Text);
        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        Assert.Equal([first.Thumbprint, second.Thumbprint], backend.Requests.Select(r => r.ClientCertificateThumbprint));
    }

    [Fact]
    public async Task ExecuteAsync_RotationHalfWritten_KeepsThePreviousCertificate()
    {
        var first = _certificates.WriteClientCertificate(_certificates.Ca, "msil-mcp");
        await using var backend = await ScriptedBackend.StartAsync(_certificates.Server, clientCa: _certificates.Ca);
        backend.Default = new Reply { Body = "{}", Headers = new Dictionary<string, string> { ["Connection"] = "close" } };
        await using var harness = Harness(backend);
        await harness.CallAsync(Get);

        // A new certificate has been written but its key not yet: the pair does not match.
        var keyBefore = await File.ReadAllTextAsync(_certificates.ClientKeyPath, TestContext.Current.CancellationToken);
        _certificates.WriteClientCertificate(_certificates.Ca, "msil-mcp-next");
        await File.WriteAllTextAsync(_certificates.ClientKeyPath, keyBefore, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(_certificates.ClientCertificatePath, first.ExportCertificatePem().Replace("A", "B", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var result = await harness.CallAsync(Get);

        Assert.False(result.IsError, result.Text);
        Assert.All(backend.Requests, r => Assert.Equal(first.Thumbprint, r.ClientCertificateThumbprint));
    }

    [Fact]
    public void Validate_MissingCertificateFile_NamesTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ApimHarness.Create(o =>
        {
            o.GatewayUrl = new Uri("https://apim.example");
            o.ClientCertificatePath = Path.Combine(_certificates.Directory, "missing.pem");
        }));

        Assert.Contains("Msil:Mcp:Apim:ClientCertificatePath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyNotMatchingCertificate_NamesTheKeys()
    {
        _certificates.WriteClientCertificate(_certificates.Ca, "one");
        var key = File.ReadAllText(_certificates.ClientKeyPath);
        _certificates.WriteClientCertificate(_certificates.Ca, "two");
        File.WriteAllText(_certificates.ClientKeyPath, key);

        var error = Assert.Throws<OptionsValidationException>(() => ApimHarness.Create(o =>
        {
            o.GatewayUrl = new Uri("https://apim.example");
            o.ClientCertificatePath = _certificates.ClientCertificatePath;
            o.ClientKeyPath = _certificates.ClientKeyPath;
        }));

        Assert.Contains("Msil:Mcp:Apim:ClientCertificatePath and ClientKeyPath", error.Message, StringComparison.Ordinal);
    }
}
