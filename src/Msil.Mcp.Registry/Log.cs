using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Registry;

/// <summary>The registry's log messages (event ids 2000–2999).</summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Information, "OpenAPI source '{Source}' imported: {Tools} tools from {Operations} operations")]
    public static partial void SourceImported(ILogger logger, string source, int tools, int operations);

    [LoggerMessage(2001, LogLevel.Warning, "OpenAPI source '{Source}', {Operation}: {Message}")]
    public static partial void OperationReported(ILogger logger, string source, string operation, string message);

    [LoggerMessage(2002, LogLevel.Information, "Tool store ready: {Store} at revision {Revision}")]
    public static partial void StoreReady(ILogger logger, string store, long revision);

    [LoggerMessage(2003, LogLevel.Information, "Catalog loaded from the tool store at revision {Revision}: {Tools} tools served, {Disabled} disabled")]
    public static partial void CatalogLoaded(ILogger logger, long revision, int tools, int disabled);

    [LoggerMessage(2004, LogLevel.Warning, "Tool '{Tool}' is not served: {Reason}")]
    public static partial void ToolSkipped(ILogger logger, string tool, string reason);

    [LoggerMessage(2005, LogLevel.Information, "Import of source '{Source}' by {Actor}: {Added} added, {Changed} changed, {Removed} removed, {Unchanged} unchanged (revision {Revision})")]
    public static partial void Imported(ILogger logger, string source, string actor, int added, int changed, int removed, int unchanged, long revision);

    [LoggerMessage(2007, LogLevel.Warning, "The catalog could not be reloaded from the tool store; the previous catalog stays served")]
    public static partial void ReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(2008, LogLevel.Warning, "The change notice could not be published on Redis; other instances see the change at their next reload")]
    public static partial void PublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(2009, LogLevel.Information, "Listening for catalog changes on Redis channel '{Channel}'")]
    public static partial void Subscribed(ILogger logger, string channel);

    [LoggerMessage(2010, LogLevel.Information, "Tool '{Tool}' {Action} by {Actor} (revision {Revision})")]
    public static partial void Curated(ILogger logger, string tool, string action, string actor, long revision);

    [LoggerMessage(2012, LogLevel.Error, "The audit records of the imports made at start could not be written")]
    public static partial void StartupAuditFailed(ILogger logger, Exception exception);

    [LoggerMessage(2011, LogLevel.Warning, "The catalog cache could not be used; the catalog is read from the tool store")]
    public static partial void CacheFailed(ILogger logger, Exception exception);

    [LoggerMessage(2013, LogLevel.Information, "The tool store moved to revision {Revision} without a change notice; reloading the catalog")]
    public static partial void RevisionMoved(ILogger logger, long revision);

    [LoggerMessage(2020, LogLevel.Information, "Registry change {ChangeId} ({Kind}) staged by {Actor} for a second approval")]
    public static partial void ChangeStaged(ILogger logger, string changeId, string kind, string actor);

    [LoggerMessage(2021, LogLevel.Information, "Registry change {ChangeId} {State} by {Actor}")]
    public static partial void ChangeDecided(ILogger logger, string changeId, string state, string actor);
    [LoggerMessage(2050, LogLevel.Warning, "Source '{Source}' was imported at start from configuration but {Section} no longer names it: its {ToolCount} tool(s) are still served from the store. Add it back (check the spelling of the section and the name) or retire its tools through the registry admin API.")]
    public static partial void UnconfiguredSource(ILogger logger, string source, int toolCount, string section);

    [LoggerMessage(2100, LogLevel.Warning, "{Key} ({Rule}) matches no operation of source '{Source}' that the rules before it left; correct the rule (tags and operation ids are case-sensitive, paths are the document's, such as /v1/orders/{{id}}) or remove it")]
    public static partial void SelectionRuleUnmatched(ILogger logger, string key, string rule, string source);

    [LoggerMessage(2101, LogLevel.Information, "{Key} ({Rule}) took {Taken} operation(s); {Left} left for the rules after it")]
    public static partial void SelectionRuleApplied(ILogger logger, string key, string rule, int taken, int left);

    [LoggerMessage(2102, LogLevel.Information, "Source '{Source}': {Taken} operation(s) matched no selection rule and were {Action}; {Excluded} operation(s) left out in all")]
    public static partial void SelectionDefaultApplied(ILogger logger, string source, int taken, string action, int excluded);

    [LoggerMessage(2103, LogLevel.Warning, "{Problem}")]
    public static partial void GatewayBasePathMissing(ILogger logger, string problem);

    [LoggerMessage(2150, LogLevel.Warning, "Source '{Source}': the document at {Url} could not be fetched at start ({Reason}); its {ToolCount} stored tool(s) stay served until a fetch succeeds")]
    public static partial void UrlSourceStartFetchFailed(ILogger logger, string source, string url, string reason, int toolCount);

    [LoggerMessage(2151, LogLevel.Debug, "Source '{Source}': the document at {Url} has not changed")]
    public static partial void UrlSourceNotModified(ILogger logger, string source, string url);

    [LoggerMessage(2152, LogLevel.Information, "Source '{Source}': the document at {Url} changed and was imported: {Added} added, {Changed} changed, {Removed} removed")]
    public static partial void UrlSourceRefreshed(ILogger logger, string source, string url, int added, int changed, int removed);

    [LoggerMessage(2153, LogLevel.Warning, "Source '{Source}': fetching the document at {Url} again failed ({Reason}); the last good tools stay served")]
    public static partial void UrlSourceRefreshFailed(ILogger logger, string source, string url, string reason);

    [LoggerMessage(2154, LogLevel.Warning, "Source '{Source}': the scheduled refresh failed; the last good tools stay served")]
    public static partial void UrlSourceRefreshError(ILogger logger, string source, Exception exception);

    [LoggerMessage(2171, LogLevel.Warning, "The catalog shared through the cache was not used: chunk {Chunk} of {Chunks} is {Problem}; it is rebuilt from the tool store and shared again")]
    public static partial void SharedCatalogRejected(ILogger logger, int chunk, int chunks, string problem);
}
