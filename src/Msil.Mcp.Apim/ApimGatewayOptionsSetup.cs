using Microsoft.Extensions.Options;

namespace Msil.Mcp.Apim;

/// <summary>
/// Named options per gateway: <c>IOptionsMonitor&lt;ApimGatewayOptions&gt;.Get(name)</c> holds a gateway's settings,
/// <see cref="Options.DefaultName"/> the default gateway's, read from <see cref="ApimOptions"/> so the configuration
/// keys stay <c>Msil:Mcp:Apim:…</c> and <c>Msil:Mcp:Apim:Gateways:{name}:…</c>. A host may still adjust one gateway
/// with <c>services.Configure&lt;ApimGatewayOptions&gt;(name, …)</c> after <c>AddApim</c>. When <see cref="ApimOptions"/>
/// change (a configuration reload), every gateway's cached settings are dropped and read again.
/// </summary>
internal sealed class ApimGatewayOptionsSetup : IConfigureNamedOptions<ApimGatewayOptions>, IDisposable
{
    private readonly IOptionsMonitor<ApimOptions> _apim;
    private readonly IDisposable? _subscription;

    public ApimGatewayOptionsSetup(IOptionsMonitor<ApimOptions> apim, IOptionsMonitorCache<ApimGatewayOptions> cache)
    {
        _apim = apim;
        _subscription = apim.OnChange(_ => cache.Clear());
    }

    public void Configure(ApimGatewayOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, ApimGatewayOptions options)
    {
        var current = _apim.CurrentValue;
        var source = string.IsNullOrEmpty(name) ? current : current.Gateways.TryGetValue(name, out var named) ? named : null;
        source?.CopyTo(options);
    }

    public void Dispose() => _subscription?.Dispose();
}

/// <summary>Validates each gateway's named options when they are read; each message names the configuration key.</summary>
internal sealed class ApimGatewayOptionsValidator : IValidateOptions<ApimGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, ApimGatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var isDefault = string.IsNullOrEmpty(name);
        ApimOptionsValidator.ValidateGateway(isDefault ? ApimOptions.SectionName : $"{ApimOptions.SectionName}:Gateways:{name}", options, urlRequired: !isDefault, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
