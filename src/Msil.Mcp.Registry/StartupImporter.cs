using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry;

/// <summary>
/// Before the server takes requests: creates or migrates the store, imports the configured OpenAPI documents into it
/// (a new version only where a tool's content hash changed), loads the catalog from the store and, with Redis, listens
/// for changes made by other instances; a periodic revision check (<see cref="ToolRegistryOptions.RevisionCheckInterval"/>)
/// catches a change whose notice never arrived.
/// </summary>
internal sealed class StartupImporter(
    IOptions<ToolRegistryOptions> options,
    ToolRegistry registry,
    RegistryChangeBus bus,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    IAuditSink audit,
    TimeProvider time,
    IConfiguration configuration,
    UrlSourceRefresher urlSources,
    ILogger<StartupImporter> logger) : IHostedService, IDisposable
{
    /// <summary>The identity recorded for imports made at start.</summary>
    internal static readonly CallerIdentity StartupCaller = new() { UserId = "system:startup", Subject = "system:startup" };

    private readonly CancellationTokenSource _stopping = new();
    private Task _revisionCheck = Task.CompletedTask;
    private readonly List<Task> _urlRefreshes = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var records = new List<AuditRecord>();
        await registry.Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        Log.StoreReady(logger, registry.Store.Kind, await registry.Store.GetRevisionAsync(cancellationToken).ConfigureAwait(false));
        for (var index = 0; index < o.Sources.Count; index++)
        {
            var source = o.Sources[index];
            var compiler = new OpenApiToolCompiler(CompilerOptions(o, source));

            byte[] bytes;
            if (!string.IsNullOrWhiteSpace(source.Url))
            {
                // A failed fetch with stored tools keeps serving them (warned); with none it fails the start.
                if (await urlSources.FetchAtStartAsync(index, source, cancellationToken).ConfigureAwait(false) is not { } fetched)
                {
                    continue;
                }

                bytes = fetched;
            }
            else
            {
                using var stream = Open(source);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                bytes = buffer.ToArray();
            }

            var compilation = compiler.Compile(new MemoryStream(bytes, writable: false), source.Name);
            if (!compilation.Succeeded)
            {
                var first = compilation.Diagnostics.FirstOrDefault(d => d.Severity == CompileSeverity.Error);
                throw new InvalidOperationException($"OpenAPI source '{source.Name}' (Msil:Mcp:Registry:Sources) could not be imported: {first?.Message ?? "the document could not be read"}.");
            }

            foreach (var d in compilation.Diagnostics.Where(d => d.Severity != CompileSeverity.Info && d.Code != CompileCodes.SelectionRuleUnmatched))
            {
                Log.OperationReported(logger, source.Name, d.Operation ?? "(document)", d.Message);
            }

            LogSelection(logger, source.Name, index, compilation.Selection);
            if (GatewayBasePathProblem(configuration, source, index, compilation.ServerBasePath) is { } problem)
            {
                if (environment.IsProduction() && !source.GatewayRewritesPath)
                {
                    throw new MsilMcpConfigurationException(problem);
                }

                Log.GatewayBasePathMissing(logger, problem);
            }

            var outcome = await registry.ImportAsync(source.Name, compilation, DocumentHash.Of(bytes), dryRun: false, StartupCaller, "startup", cancellationToken, records).ConfigureAwait(false);
            if (outcome.Refusal != ImportRefusal.None)
            {
                throw new InvalidOperationException($"OpenAPI source '{source.Name}' (Msil:Mcp:Registry:Sources) could not be imported: {outcome.Problem}");
            }

            Log.SourceImported(logger, source.Name, compilation.Tools.Count, compilation.OperationCount);
        }

        // The audit sink may need its own hosted services (a background writer) running before it can accept a record:
        // the start-up imports are audited once the host has started.
        if (records.Count > 0)
        {
            lifetime.ApplicationStarted.Register(() => _ = WriteAuditAsync(records));
        }

        await registry.ReloadAsync(force: true, cancellationToken).ConfigureAwait(false);
        await WarnAboutUnconfiguredSourcesAsync(o, cancellationToken).ConfigureAwait(false);
        await bus.SubscribeAsync(registry.Store.Fingerprint, OnRemoteChange, cancellationToken).ConfigureAwait(false);
        if (o.RevisionCheckInterval > TimeSpan.Zero)
        {
            _revisionCheck = CheckRevisionAsync(o.RevisionCheckInterval, _stopping.Token);
        }

        for (var index = 0; index < o.Sources.Count; index++)
        {
            if (!string.IsNullOrWhiteSpace(o.Sources[index].Url) && o.Sources[index].RefreshInterval is { } interval && interval > TimeSpan.Zero)
            {
                _urlRefreshes.Add(urlSources.RunAsync(index, interval, _stopping.Token));
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _revisionCheck.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_urlRefreshes).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    private void OnRemoteChange(long revision)
    {
        if (revision <= registry.Revision || _stopping.IsCancellationRequested)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await registry.ReloadAsync(force: false, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ReloadFailed(logger, ex);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>Compares the store's revision with the one served, every <paramref name="interval"/>, until the host stops.</summary>
    private async Task CheckRevisionAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    var revision = await registry.Store.GetRevisionAsync(cancellationToken).ConfigureAwait(false);
                    if (revision > registry.Revision)
                    {
                        Log.RevisionMoved(logger, revision);
                        await registry.ReloadAsync(force: false, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store is unreachable for now: the catalog served stays, and the next tick tries again.
                    Log.ReloadFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The compiler options of one configured source.</summary>
    internal static OpenApiCompilerOptions CompilerOptions(ToolRegistryOptions o, OpenApiSourceOptions source)
    {
        var compilerOptions = new OpenApiCompilerOptions
        {
            MaxDescriptionLength = o.MaxDescriptionLength,
            MaxToolSchemaBytes = o.MaxToolSchemaBytes,
            MaxDocumentBytes = o.MaxDocumentBytes,
            Gateway = source.Gateway,
            Audience = source.Audience,
        };
        foreach (var rule in source.Select)
        {
            compilerOptions.Select.Add(rule);
        }

        return compilerOptions;
    }

    /// <summary>
    /// The gateway-URL-versus-<c>servers</c> check: the tools call the document's paths under the gateway URL, so a
    /// document served under <c>/v2</c> needs a gateway URL ending in <c>/v2</c>, or a gateway that adds it
    /// (<see cref="OpenApiSourceOptions.GatewayRewritesPath"/>). Reads the gateway URL from the API manager's
    /// configuration keys; a gateway configured in code only is not checked.
    /// </summary>
    /// <returns>One line naming the keys and the fix, or <see langword="null"/> when the URLs agree or cannot be compared.</returns>
    internal static string? GatewayBasePathProblem(IConfiguration configuration, OpenApiSourceOptions source, int index, string? basePath)
    {
        if (basePath is null || source.GatewayRewritesPath)
        {
            return null;
        }

        var key = source.Gateway is null ? "Msil:Mcp:Apim:GatewayUrl" : $"Msil:Mcp:Apim:Gateways:{source.Gateway}:GatewayUrl";
        if (!Uri.TryCreate(configuration[key], UriKind.Absolute, out var gateway))
        {
            return null;
        }

        var gatewayPath = gateway.AbsolutePath.TrimEnd('/');
        if (gatewayPath.EndsWith(basePath, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var sourceKey = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ToolRegistryOptions.SectionName}:Sources:{index}");
        var fixedUrl = new UriBuilder(gateway) { Path = gatewayPath + basePath }.Uri;
        return $"{key}: the gateway URL {gateway} does not end with '{basePath}', the base path of the servers URL of source '{source.Name}' ({sourceKey}), "
            + $"so its tools call {gatewayPath}/… instead of {gatewayPath}{basePath}/…; set {key} to {fixedUrl}, "
            + $"or, if the gateway adds '{basePath}' itself, set {sourceKey}:GatewayRewritesPath to true.";
    }

    /// <summary>Logs what each selection rule took, and warns, naming its key, about a rule that matched nothing.</summary>
    internal static void LogSelection(ILogger logger, string source, int index, OperationSelectionReport? selection)
    {
        if (selection is null)
        {
            return;
        }

        foreach (var rule in selection.Rules)
        {
            var key = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ToolRegistryOptions.SectionName}:Sources:{index}:Select:{rule.Index}");
            if (rule.Taken == 0)
            {
                Log.SelectionRuleUnmatched(logger, key, rule.Rule, source);
            }
            else
            {
                Log.SelectionRuleApplied(logger, key, rule.Rule, rule.Taken, rule.Left);
            }
        }

        Log.SelectionDefaultApplied(logger, source, selection.DefaultTaken, selection.DefaultAction == OperationSelectionAction.Include ? "included" : "excluded", selection.Excluded);
    }

    private async Task WriteAuditAsync(List<AuditRecord> records)
    {
        foreach (var record in records)
        {
            try
            {
                await audit.WriteAsync(record, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuditUnavailableException or OperationCanceledException)
            {
                Log.StartupAuditFailed(logger, ex);
                return;
            }
        }
    }

    /// <summary>
    /// Warns about sources the store still serves, last imported at start from configuration, that the configuration no
    /// longer names (a renamed or misspelled source keeps serving its old tools). Sources imported through the admin API
    /// are not configured by design and are not reported.
    /// </summary>
    private async Task WarnAboutUnconfiguredSourcesAsync(ToolRegistryOptions o, CancellationToken cancellationToken)
    {
        var configured = o.Sources.Select(s => "openapi:" + s.Name).ToHashSet(StringComparer.Ordinal);
        var snapshot = await registry.Store.LoadAsync(cancellationToken).ConfigureAwait(false);
        var stored = snapshot.Tools.Where(t => t.Source.StartsWith("openapi:", StringComparison.Ordinal) && !configured.Contains(t.Source))
            .GroupBy(t => t.Source, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (stored.Count == 0)
        {
            return;
        }

        var imports = await registry.Store.GetImportsAsync(0, 1000, cancellationToken).ConfigureAwait(false);
        foreach (var (source, count) in stored.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var last = imports.Where(i => i.Source == source).MaxBy(i => i.Id);
            if (last is null || last.Actor == StartupCaller.UserId || last.Actor == UrlSourceRefresher.RefreshCaller.UserId)
            {
                Log.UnconfiguredSource(logger, source["openapi:".Length..], count, ToolRegistryOptions.SectionName + ":Sources");
            }
        }
    }

    private Stream Open(OpenApiSourceOptions source)
    {
        if (source.Open is not null)
        {
            return source.Open();
        }

        var path = Path.IsPathRooted(source.Path!) ? source.Path! : Path.Combine(environment.ContentRootPath, source.Path!);
        if (!File.Exists(path))
        {
            var index = options.Value.Sources.IndexOf(source);
            throw new MsilMcpConfigurationException(
                $"{ToolRegistryOptions.SectionName}:Sources:{index}:Path: the OpenAPI document '{source.Path}' of source '{source.Name}' does not exist "
                + $"(looked for {path}); correct the path (relative paths start at the content root, {environment.ContentRootPath}) or remove the source.");
        }

        return File.OpenRead(path);
    }
}

/// <summary>The SHA-256 of a document as received.</summary>
internal static class DocumentHash
{
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
