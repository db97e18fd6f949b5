using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Api;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry;

/// <summary>What one refresh of a URL source did.</summary>
internal enum UrlRefreshOutcome
{
    /// <summary>The server answered <c>304 Not Modified</c>, or the same bytes as last time: nothing changed.</summary>
    NotModified,

    /// <summary>The document changed and was imported (and audited like an import).</summary>
    Imported,

    /// <summary>The fetch, the compilation or the import failed: the tools served are kept.</summary>
    Failed,
}

/// <summary>The last known state of one URL source.</summary>
internal sealed record UrlSourceState(string? ETag, string? LastModified, string? DocumentHash, string? LastError, DateTimeOffset? LastSuccess);

/// <summary>
/// Fetches the OpenAPI sources configured by URL (<c>Sources:N:Url</c>) through the import API's <see cref="DocumentFetcher"/>
/// (same allow-list, SSRF rules, size cap and timeout), at start and every <c>Sources:N:RefreshInterval</c>. A changed
/// document is imported through <see cref="ToolRegistry.ImportAsync"/>, which audits it like any import; a failure keeps
/// the tools served and is reported as degraded by <see cref="UrlSourcesHealthCheck"/>.
/// </summary>
internal sealed class UrlSourceRefresher(
    IOptions<ToolRegistryOptions> options,
    ToolRegistry registry,
    DocumentFetcher fetcher,
    TimeProvider time,
    ILogger<UrlSourceRefresher> logger)
{
    /// <summary>The identity recorded for imports made by a scheduled refresh.</summary>
    internal static readonly CallerIdentity RefreshCaller = new() { UserId = "system:url-refresh", Subject = "system:url-refresh" };

    private readonly ConcurrentDictionary<string, UrlSourceState> _states = new(StringComparer.Ordinal);

    /// <summary>Gets the state of each URL source, by source name.</summary>
    public IReadOnlyDictionary<string, UrlSourceState> States => _states;

    /// <summary>The configuration key of a source's URL.</summary>
    internal static string Key(int index) => string.Create(CultureInfo.InvariantCulture, $"{ToolRegistryOptions.SectionName}:Sources:{index}:Url");

    /// <summary>The URL without query, fragment or credentials, for logs and messages.</summary>
    internal static string Safe(Uri uri) => uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    /// <summary>
    /// Fetches a URL source at start. Returns the document, or <see langword="null"/> when the fetch failed and the store
    /// still holds the source's tools (they stay served; a warning is logged). Throws <see cref="MsilMcpConfigurationException"/>
    /// naming the key when the URL is refused, or when the fetch failed and nothing is stored for the source.
    /// </summary>
    public async Task<byte[]?> FetchAtStartAsync(int index, OpenApiSourceOptions source, CancellationToken cancellationToken)
    {
        var key = Key(index);
        var uri = CheckedUri(index, source);
        try
        {
            var fetched = await fetcher.FetchAsync(uri, null, null, cancellationToken).ConfigureAwait(false);
            _states[source.Name] = new UrlSourceState(fetched.ETag, fetched.LastModified, DocumentHash.Of(fetched.Body), null, time.GetUtcNow());
            return fetched.Body;
        }
        catch (Exception ex) when (ex is FetchRefusedException or DocumentTooLargeException)
        {
            var snapshot = await registry.Store.LoadAsync(cancellationToken).ConfigureAwait(false);
            var stored = snapshot.Tools.Count(t => t.Source == "openapi:" + source.Name);
            if (stored == 0)
            {
                throw new MsilMcpConfigurationException(
                    $"{key}: the OpenAPI document of source '{source.Name}' could not be fetched from {Safe(uri)} ({ex.Message.TrimEnd('.')}) and the store holds no tools of it; "
                    + $"make the URL answer, correct {key}, or set Sources:{index.ToString(CultureInfo.InvariantCulture)}:Path to a local copy.");
            }

            Log.UrlSourceStartFetchFailed(logger, source.Name, Safe(uri), ex.Message, stored);
            _states[source.Name] = new UrlSourceState(null, null, null, ex.Message, null);
            return null;
        }
    }

    /// <summary>Fetches a URL source again and imports it when it changed; never throws for a fetch or import failure.</summary>
    public async Task<UrlRefreshOutcome> RefreshAsync(int index, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var source = o.Sources[index];
        var uri = CheckedUri(index, source);
        var last = _states.GetValueOrDefault(source.Name);
        string? problem;
        try
        {
            var fetched = await fetcher.FetchAsync(uri, last?.ETag, last?.LastModified, cancellationToken).ConfigureAwait(false);
            if (fetched.NotModified)
            {
                _states[source.Name] = last! with { LastError = null, LastSuccess = time.GetUtcNow() };
                Log.UrlSourceNotModified(logger, source.Name, Safe(uri));
                return UrlRefreshOutcome.NotModified;
            }

            var hash = DocumentHash.Of(fetched.Body);
            if (hash == last?.DocumentHash)
            {
                _states[source.Name] = new UrlSourceState(fetched.ETag, fetched.LastModified, hash, null, time.GetUtcNow());
                Log.UrlSourceNotModified(logger, source.Name, Safe(uri));
                return UrlRefreshOutcome.NotModified;
            }

            var compiler = new OpenApiToolCompiler(StartupImporter.CompilerOptions(o, source));
            var body = fetched.Body!;
            var compilation = await Task.Run(() => compiler.Compile(new MemoryStream(body, writable: false), source.Name), cancellationToken).ConfigureAwait(false);
            CurationNote? note = null;
            if (compilation.Succeeded)
            {
                // Planned first (nothing written) so that the import's audit record names what changed and which fields.
                var planned = await registry.Store.ImportAsync(new ImportRequest("openapi:" + source.Name, compilation.Tools, RefreshCaller.UserId, hash, compilation.SpecVersion, DryRun: true), cancellationToken).ConfigureAwait(false);
                note = new CurationNote(Describe(Safe(uri), planned.Plan), null);
            }

            var outcome = await registry.ImportAsync(source.Name, compilation, hash, dryRun: false, RefreshCaller, "url-refresh", cancellationToken, note: note).ConfigureAwait(false);
            if (outcome.Refusal == ImportRefusal.None)
            {
                _states[source.Name] = new UrlSourceState(fetched.ETag, fetched.LastModified, hash, null, time.GetUtcNow());
                var p = outcome.Result!.Plan;
                Log.UrlSourceRefreshed(logger, source.Name, Safe(uri), p.Count(ToolChangeKind.Added), p.Count(ToolChangeKind.Changed), p.Count(ToolChangeKind.Removed));
                return UrlRefreshOutcome.Imported;
            }

            problem = outcome.Problem ?? "the document could not be imported";
        }
        catch (Exception ex) when (ex is FetchRefusedException or DocumentTooLargeException)
        {
            problem = ex.Message;
        }

        _states[source.Name] = (last ?? new UrlSourceState(null, null, null, null, null)) with { LastError = problem };
        Log.UrlSourceRefreshFailed(logger, source.Name, Safe(uri), problem);
        return UrlRefreshOutcome.Failed;
    }

    /// <summary>Refreshes one source every <paramref name="interval"/> until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(int index, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(index, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store or the audit sink failed: the catalog served stays, and the next tick tries again.
                    var name = options.Value.Sources[index].Name;
                    _states.AddOrUpdate(name, _ => new UrlSourceState(null, null, null, ex.GetType().Name, null), (_, s) => s with { LastError = ex.GetType().Name });
                    Log.UrlSourceRefreshError(logger, name, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The refresh's audit note: where from, and each added, changed (with its changed fields) and removed tool, bounded.</summary>
    internal static string Describe(string url, ImportPlan plan)
    {
        const int MaxListed = 20;
        var parts = new List<string>();
        foreach (var (kind, label) in new[] { (ToolChangeKind.Added, "added"), (ToolChangeKind.Changed, "changed"), (ToolChangeKind.Removed, "removed") })
        {
            var changes = plan.Changes.Where(c => c.Kind == kind).ToList();
            if (changes.Count == 0)
            {
                continue;
            }

            var listed = changes.Take(MaxListed).Select(c => kind == ToolChangeKind.Changed && c.ChangedFields.Count > 0 ? $"{c.Name} ({string.Join(", ", c.ChangedFields)})" : c.Name);
            parts.Add($"{label} {string.Join(", ", listed)}{(changes.Count > MaxListed ? $" and {changes.Count - MaxListed} more" : string.Empty)}");
        }

        return $"refreshed from {url}{(parts.Count == 0 ? string.Empty : ": " + string.Join("; ", parts))}";
    }

    private Uri CheckedUri(int index, OpenApiSourceOptions source)
    {
        if (fetcher.Check(source.Url!, out var uri) is { } refused)
        {
            throw new MsilMcpConfigurationException(
                $"{Key(index)}: {refused.TrimEnd('.')} (source '{source.Name}'); add the host to {ToolRegistryOptions.SectionName}:AllowedImportHosts "
                + $"(and, for a loopback or private address in development, set {ToolRegistryOptions.SectionName}:AllowPrivateAddresses), or correct the URL.");
        }

        return uri!;
    }
}

/// <summary>Reports the URL sources: degraded while the last fetch of any of them failed (its stored tools are still served).</summary>
internal sealed class UrlSourcesHealthCheck(UrlSourceRefresher refresher) : IHealthCheck
{
    /// <summary>The health check's name.</summary>
    public const string Name = "msil-registry-url-sources";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failed = refresher.States.Where(s => s.Value.LastError is not null).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        return Task.FromResult(failed.Count == 0
            ? HealthCheckResult.Healthy(refresher.States.Count == 0 ? "no URL sources" : $"{refresher.States.Count} URL source(s) fetched")
            : HealthCheckResult.Degraded($"the last fetch of URL source(s) {string.Join(", ", failed)} failed; their last good tools are served"));
    }
}
