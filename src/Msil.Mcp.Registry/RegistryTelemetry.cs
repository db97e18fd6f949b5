using System.Diagnostics;
using System.Diagnostics.Metrics;
using Msil.Mcp.Registry.Catalog;

namespace Msil.Mcp.Registry;

/// <summary>
/// The registry's Meter and ActivitySource (both <c>Msil.Mcp.Registry</c>, listed in <see cref="MsilMcpTelemetry.SourceNames"/>):
/// a span <c>import openapi</c> around every import (startup, URL refresh or admin API), a counter of imports by outcome
/// and a counter of the tools compiled into stored imports. Tags carry only fixed values (never a source or tool name).
/// </summary>
internal sealed class RegistryTelemetry
{
    /// <summary>The Meter and ActivitySource name (= the PackageId).</summary>
    public const string Name = "Msil.Mcp.Registry";

    /// <summary>The counter of imports, tagged with <see cref="OutcomeTag"/> and <see cref="DryRunTag"/>.</summary>
    public const string ImportsInstrument = "msil.mcp.registry.imports";

    /// <summary>The counter of tools compiled from OpenAPI operations by imports that were stored.</summary>
    public const string ToolsCompiledInstrument = "msil.mcp.registry.tools.compiled";

    /// <summary>The tag naming the import's outcome: <c>stored</c>, <c>unreadable</c>, <c>too_many_operations</c> or <c>conflict</c>.</summary>
    public const string OutcomeTag = "msil.registry.import.outcome";

    /// <summary>The tag saying whether the import was a dry run (<see langword="true"/>/<see langword="false"/>).</summary>
    public const string DryRunTag = "msil.registry.import.dry_run";

    /// <summary>The counter of catalog loads through the shared cache, tagged with <see cref="CatalogSourceTag"/>.</summary>
    public const string CatalogLoadsInstrument = "msil.mcp.registry.catalog.loads";

    /// <summary>
    /// The tag saying where a loaded catalog came from: <see cref="CatalogBuilt"/>, <see cref="CatalogShared"/> or
    /// <see cref="CatalogRebuilt"/> (a shared chunk was missing or did not match its manifest).
    /// </summary>
    public const string CatalogSourceTag = "msil.registry.catalog.source";

    /// <summary>Built from the store and shared (no entry for the revision yet).</summary>
    public const string CatalogBuilt = "built";

    /// <summary>Read from the shared cache: every chunk matched its manifest.</summary>
    public const string CatalogShared = "shared";

    /// <summary>Rebuilt from the store because a shared chunk was missing or did not match.</summary>
    public const string CatalogRebuilt = "rebuilt";

    private readonly Counter<long> _imports;
    private readonly Counter<long> _toolsCompiled;
    private readonly Counter<long> _catalogLoads;

    public RegistryTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _imports = meter.CreateCounter<long>(ImportsInstrument, "{import}", "OpenAPI imports through the registry, by outcome.");
        _toolsCompiled = meter.CreateCounter<long>(ToolsCompiledInstrument, "{tool}", "Tools compiled from OpenAPI operations by imports that were stored (dry runs excluded).");
        _catalogLoads = meter.CreateCounter<long>(CatalogLoadsInstrument, "{load}", "Catalog loads through the shared cache, by where the catalog came from.");
    }

    /// <summary>Gets the registry's ActivitySource.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Starts the span of one import, or returns <see langword="null"/> when nobody listens.</summary>
    public static Activity? StartImport(bool dryRun)
    {
        var activity = Source.StartActivity("import openapi");
        activity?.SetTag(DryRunTag, dryRun);
        return activity;
    }

    /// <summary>Counts an import and its compiled tools, and closes its span's outcome.</summary>
    public void Imported(Activity? activity, ImportRefusal refusal, bool dryRun, int toolsCompiled)
    {
        var outcome = refusal switch
        {
            ImportRefusal.None => "stored",
            ImportRefusal.Unreadable => "unreadable",
            ImportRefusal.TooManyOperations => "too_many_operations",
            _ => "conflict",
        };
        _imports.Add(1, new TagList { { OutcomeTag, outcome }, { DryRunTag, dryRun } });
        if (refusal == ImportRefusal.None && !dryRun)
        {
            _toolsCompiled.Add(toolsCompiled);
        }

        if (activity is not null)
        {
            activity.SetTag(OutcomeTag, outcome);
            activity.SetTag("msil.registry.tools.compiled", toolsCompiled);
            if (refusal != ImportRefusal.None)
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome);
            }
        }
    }

    /// <summary>Counts one catalog load through the shared cache (<paramref name="source"/> is one of the constants above).</summary>
    public void CatalogLoaded(string source) => _catalogLoads.Add(1, new KeyValuePair<string, object?>(CatalogSourceTag, source));
}
