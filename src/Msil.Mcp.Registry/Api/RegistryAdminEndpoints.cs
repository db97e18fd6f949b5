using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.Curation;
using Msil.Mcp.Registry.Discovery;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry.Api;

/// <summary>
/// The registry's write API (admin role): <c>POST /api/mcp/tools/import</c> (document in the body, or <c>{"url": …}</c> on the
/// allow-list; <c>dryRun=true</c> returns the diff and stores nothing), <c>PUT</c>/<c>DELETE /api/mcp/tools/{name}/override</c>,
/// <c>POST /api/mcp/tools/{name}/rollback</c> and <c>GET /api/mcp/imports</c>. Every write is audited, and so is every
/// refused request (401, 403). A write that weakens a tool's protection (<see cref="CurationElevation"/>) needs an
/// elevation grant: without one it is refused with 403, problem type <see cref="CurationElevation.ProblemType"/> and the
/// approval URL in <c>elevation_url</c>; once approved, the same request succeeds.
/// </summary>
internal sealed partial class RegistryAdminEndpoints(
    ToolRegistry registry,
    DocumentFetcher fetcher,
    IElevationGate elevation,
    IOptions<ToolRegistryOptions> options,
    TimeProvider time) : IMsilMcpEndpointContributor
{
    private const int MaxOverrideBytes = 256 * 1024;
    private const int MaxReportEntries = 500;

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        // The role filter (not RequireAuthorization) checks the caller, so that a refused request is audited too.
        var group = AdminHttp.Group(endpoints, "/api/mcp", registry, options, new RoleRequirement(AuditActions.Import, AdminHttp.AdminOnly));
        group.MapPost("/tools/import", (RequestDelegate)ImportAsync);
        group.MapPut("/tools/{name}/override", (RequestDelegate)PutOverrideAsync).RequireRoleSet(AuditActions.RegistryOverride, AdminHttp.AdminOnly);
        group.MapDelete("/tools/{name}/override", (RequestDelegate)DeleteOverrideAsync).RequireRoleSet(AuditActions.RegistryOverride, AdminHttp.AdminOnly);
        group.MapPost("/tools/{name}/rollback", (RequestDelegate)RollbackAsync).RequireRoleSet(AuditActions.RegistryRollback, AdminHttp.AdminOnly);
        group.MapGet("/imports", (RequestDelegate)ImportsAsync).RequireRoleSet("registry.imports.read", AdminHttp.AdminOnly);
    }

    private async Task ImportAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var o = options.Value;
        var query = context.Request.Query;
        var source = query["source"].ToString();
        if (!SourcePattern().IsMatch(source))
        {
            await ProblemAsync(context, 400, "Query parameter 'source' must name the document's source: 1–64 of A–Z a–z 0–9 . _ - (its tools are stored under openapi:{source}).").ConfigureAwait(false);
            return;
        }

        var dryRun = query.TryGetValue("dryRun", out var d) && (d.ToString() is "true" or "1" or "True");
        byte[] document;
        try
        {
            document = await ReadBodyAsync(context, o.MaxDocumentBytes).ConfigureAwait(false);
        }
        catch (DocumentTooLargeException ex)
        {
            await ProblemAsync(context, 413, ex.Message + " Nothing was stored.").ConfigureAwait(false);
            return;
        }

        if (document.Length == 0)
        {
            await ProblemAsync(context, 400, "The body is empty: send the OpenAPI document (JSON or YAML), or {\"url\": \"https://…\"} for a host on the allow-list.").ConfigureAwait(false);
            return;
        }

        if (UrlRequest(document) is { } url)
        {
            if (fetcher.Check(url, out var uri) is { } refused)
            {
                await ProblemAsync(context, 400, refused).ConfigureAwait(false);
                return;
            }

            try
            {
                document = await fetcher.FetchAsync(uri!, context.RequestAborted).ConfigureAwait(false);
            }
            catch (DocumentTooLargeException ex)
            {
                await ProblemAsync(context, 413, ex.Message + " Nothing was stored.").ConfigureAwait(false);
                return;
            }
            catch (FetchRefusedException ex)
            {
                await ProblemAsync(context, 400, ex.Message).ConfigureAwait(false);
                return;
            }
        }

        var compilerOptions = new OpenApiCompilerOptions
        {
            MaxDescriptionLength = o.MaxDescriptionLength,
            MaxToolSchemaBytes = o.MaxToolSchemaBytes,
            MaxDocumentBytes = o.MaxDocumentBytes,
            Gateway = NullIfEmpty(query["gateway"]),
            Audience = NullIfEmpty(query["audience"]),
        };
        foreach (var host in o.AllowedImportHosts)
        {
            compilerOptions.AllowedExternalHosts.Add(host);
        }

        var compiler = new OpenApiToolCompiler(compilerOptions);

        // The compiler is synchronous and CPU-bound: off the request thread, so the server keeps answering.
        var bytes = document;
        var compilation = await Task.Run(() => compiler.Compile(new MemoryStream(bytes, writable: false), source), context.RequestAborted).ConfigureAwait(false);
        CurationNote? note = null;
        if (!dryRun && compilation.Succeeded)
        {
            var (planned, effects) = await ImportEffectsAsync(source, compilation, context.RequestAborted).ConfigureAwait(false);
            var elevated = await ElevateAsync(context, caller, AuditActions.Import, null, "registry.import:" + source, "import", DocumentHash.Of(document), effects).ConfigureAwait(false);
            if (!elevated.Allowed)
            {
                return;
            }

            note = elevated.Note;
            if (o.RequireSecondApproval && !planned.Plan.HasConflicts && compilation.OperationCount <= o.MaxToolsPerImport
                && FourEyes.ImportReasons(planned.Plan, effects) is { Count: > 0 } reasons)
            {
                var payload = new JsonObject
                {
                    ["source"] = "openapi:" + source,
                    ["document_hash"] = DocumentHash.Of(document),
                    ["spec_version"] = compilation.SpecVersion,
                    ["tools"] = JsonSerializer.SerializeToNode(compilation.Tools.ToList(), RegistryJsonContext.Default.ListToolDefinition),
                };
                var diff = Report(new ImportOutcome(ImportRefusal.None, null, compilation, planned), dryRun: true, DocumentHash.Of(document));
                var p = planned.Plan;
                var summary = $"import openapi:{source}: {p.Count(ToolChangeKind.Added)} added, {p.Count(ToolChangeKind.Changed)} changed, {p.Count(ToolChangeKind.Removed)} removed";
                await StageAsync(context, caller, ChangeKinds.Import, null, "openapi:" + source, summary, payload, diff, planned.Revision, reasons, note).ConfigureAwait(false);
                return;
            }
        }

        var outcome = await registry.ImportAsync(source, compilation, DocumentHash.Of(document), dryRun, caller, CorrelationId(context), context.RequestAborted, note: note).ConfigureAwait(false);
        var body = Report(outcome, dryRun, DocumentHash.Of(document));
        var status = outcome.Refusal switch
        {
            ImportRefusal.None => 200,
            ImportRefusal.Unreadable => 400,
            ImportRefusal.TooManyOperations => 422,
            _ => 409,
        };
        if (status != 200)
        {
            body["status"] = status;
            body["title"] = status switch { 400 => "Bad Request", 422 => "Unprocessable Content", _ => "Conflict" };
            body["detail"] = outcome.Problem + " Nothing was stored.";
        }

        await WriteAsync(context, status, body).ConfigureAwait(false);
    }

    private async Task PutOverrideAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var name = registry.StoredName(RouteName(context));
        var baseRevision = await registry.Store.GetRevisionAsync(context.RequestAborted).ConfigureAwait(false);
        var history = await registry.Store.GetToolAsync(name, context.RequestAborted).ConfigureAwait(false);
        if (history is null)
        {
            await NotFoundAsync(context, name).ConfigureAwait(false);
            return;
        }

        using var json = await ReadJsonAsync(context).ConfigureAwait(false);
        if (json is null)
        {
            await ProblemAsync(context, 400, "The body must be a JSON object: {\"enabled\", \"risk_level\", \"name\", \"title\", \"description\", \"hidden_parameters\", \"fixed_parameters\"} (all optional).").ConfigureAwait(false);
            return;
        }

        var (value, errors) = ToolOverride.Parse(json.RootElement);
        if (value is not null)
        {
            errors = OverlayApplier.Check(value, history.Tool.Definition);
        }

        if (errors.Count > 0)
        {
            await ProblemAsync(context, 400, "Invalid override: " + string.Join("; ", errors) + ".").ConfigureAwait(false);
            return;
        }

        var effect = new CurationEffect(name, OverlayApplier.Apply(history.Tool), OverlayApplier.Apply(history.Tool with { Override = value }));
        var elevated = await ElevateAsync(context, caller, AuditActions.RegistryOverride, name, "registry.curate:" + name, "override", value!.ToJson(), [effect]).ConfigureAwait(false);
        if (!elevated.Allowed)
        {
            return;
        }

        if (await StageCurationAsync(context, caller, effect, baseRevision, new JsonObject { ["name"] = name, ["override"] = JsonNode.Parse(value!.ToJson()) }, $"override of '{name}'", elevated.Note).ConfigureAwait(false))
        {
            return;
        }

        var result = await registry.SetOverrideAsync(name, value, caller, CorrelationId(context), elevated.Note, context.RequestAborted).ConfigureAwait(false);
        await WriteResultAsync(context, name, result).ConfigureAwait(false);
    }

    private async Task DeleteOverrideAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var name = registry.StoredName(RouteName(context));
        CurationNote? note = null;
        var baseRevision = await registry.Store.GetRevisionAsync(context.RequestAborted).ConfigureAwait(false);
        if (await registry.Store.GetToolAsync(name, context.RequestAborted).ConfigureAwait(false) is { } history)
        {
            var effect = new CurationEffect(name, OverlayApplier.Apply(history.Tool), OverlayApplier.Apply(history.Tool with { Override = null }));
            var elevated = await ElevateAsync(context, caller, AuditActions.RegistryOverride, name, "registry.curate:" + name, "override.delete", history.Tool.Override?.ToJson() ?? "{}", [effect]).ConfigureAwait(false);
            if (!elevated.Allowed)
            {
                return;
            }

            note = elevated.Note;
            if (history.Tool.Override is not null
                && await StageCurationAsync(context, caller, effect, baseRevision, new JsonObject { ["name"] = name, ["override"] = null }, $"removal of the override of '{name}'", note).ConfigureAwait(false))
            {
                return;
            }
        }

        var result = await registry.DeleteOverrideAsync(name, caller, CorrelationId(context), note, context.RequestAborted).ConfigureAwait(false);
        await WriteResultAsync(context, name, result).ConfigureAwait(false);
    }

    private async Task RollbackAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var name = registry.StoredName(RouteName(context));
        using var json = await ReadJsonAsync(context).ConfigureAwait(false);
        if (json is null || !json.RootElement.TryGetProperty("version", out var v) || !v.TryGetInt32(out var version) || version < 1)
        {
            await ProblemAsync(context, 400, "The body must be {\"version\": n} with the stored version to serve (see GET /api/mcp/tools/{name}).").ConfigureAwait(false);
            return;
        }

        CurationNote? note = null;
        var baseRevision = await registry.Store.GetRevisionAsync(context.RequestAborted).ConfigureAwait(false);
        if (await registry.Store.GetToolAsync(name, context.RequestAborted).ConfigureAwait(false) is { } history
            && await registry.Store.GetVersionAsync(name, version, context.RequestAborted).ConfigureAwait(false) is { } target)
        {
            var effect = new CurationEffect(name, OverlayApplier.Apply(history.Tool), OverlayApplier.Apply(history.Tool with { Definition = target, CurrentVersion = version }));
            var elevated = await ElevateAsync(context, caller, AuditActions.RegistryRollback, name, "registry.curate:" + name, "rollback", $"{{\"version\":{version.ToString(CultureInfo.InvariantCulture)}}}", [effect]).ConfigureAwait(false);
            if (!elevated.Allowed)
            {
                return;
            }

            note = elevated.Note;
            if (version != history.Tool.CurrentVersion
                && await StageCurationAsync(context, caller, effect, baseRevision, new JsonObject { ["name"] = name, ["version"] = version }, $"rollback of '{name}' to version {version}", note, ChangeKinds.Rollback).ConfigureAwait(false))
            {
                return;
            }
        }

        var result = await registry.RollbackAsync(name, version, caller, CorrelationId(context), note, context.RequestAborted).ConfigureAwait(false);
        await WriteResultAsync(context, name, result).ConfigureAwait(false);
    }

    private async Task ImportsAsync(HttpContext context)
    {

        var query = context.Request.Query;
        if (!TryInt(query["page"], 1, 1, 100_000, out var page) || !TryInt(query["page_size"], 50, 1, 500, out var pageSize))
        {
            await ProblemAsync(context, 400, "Query parameters 'page' (≥ 1) and 'page_size' (1–500) must be whole numbers.").ConfigureAwait(false);
            return;
        }

        var imports = await registry.Store.GetImportsAsync((page - 1) * pageSize, pageSize, context.RequestAborted).ConfigureAwait(false);
        var list = new JsonArray();
        foreach (var i in imports)
        {
            list.Add((JsonNode)new JsonObject
            {
                ["id"] = i.Id,
                ["source"] = i.Source,
                ["actor"] = i.Actor,
                ["imported_at"] = i.ImportedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["document_sha256"] = i.DocumentHash,
                ["spec_version"] = i.SpecVersion,
                ["added"] = i.Added,
                ["changed"] = i.Changed,
                ["removed"] = i.Removed,
                ["unchanged"] = i.Unchanged,
            });
        }

        await WriteAsync(context, 200, new JsonObject { ["imports"] = list, ["page"] = page, ["page_size"] = pageSize }).ConfigureAwait(false);
    }

    private async Task WriteResultAsync(HttpContext context, string name, StoreWriteResult result)
    {
        switch (result.Status)
        {
            case StoreWriteStatus.Done:
                var history = await registry.Store.GetToolAsync(name, context.RequestAborted).ConfigureAwait(false);
                var body = history is null ? new JsonObject() : DiscoveryShape.History(history, registry);
                body["revision"] = result.Revision;
                await WriteAsync(context, 200, body).ConfigureAwait(false);
                break;
            case StoreWriteStatus.NotFound:
                await NotFoundAsync(context, name).ConfigureAwait(false);
                break;
            case StoreWriteStatus.NoSuchVersion:
                await ProblemAsync(context, 400, char.ToUpperInvariant(result.Detail![0]) + result.Detail[1..] + ".").ConfigureAwait(false);
                break;
            default:
                await ProblemAsync(context, 409, "Conflict: " + result.Detail + ".").ConfigureAwait(false);
                break;
        }
    }

    internal static JsonObject Report(ImportOutcome outcome, bool dryRun, string documentHash)
    {
        var c = outcome.Compilation;
        var body = new JsonObject
        {
            ["source"] = "openapi:" + c.SourceName,
            ["dry_run"] = dryRun,
            ["stored"] = outcome.Refusal == ImportRefusal.None && !dryRun,
            ["document_sha256"] = documentHash,
            ["spec_version"] = c.SpecVersion,
            ["operations"] = c.OperationCount,
            ["tools"] = c.Tools.Count,
        };
        if (outcome.Result is { } result)
        {
            body["import_id"] = result.ImportId;
            body["revision"] = result.Revision;
            body["added"] = Changes(result.Plan, ToolChangeKind.Added);
            body["changed"] = Changes(result.Plan, ToolChangeKind.Changed);
            body["removed"] = Changes(result.Plan, ToolChangeKind.Removed);
            body["unchanged"] = result.Plan.Count(ToolChangeKind.Unchanged);
            if (result.Plan.HasConflicts)
            {
                body["conflicts"] = Changes(result.Plan, ToolChangeKind.Conflict);
            }
        }

        var report = new JsonArray();
        foreach (var diagnostic in c.Diagnostics.Take(MaxReportEntries))
        {
            report.Add((JsonNode)new JsonObject
            {
                ["operation"] = diagnostic.Operation,
                ["severity"] = diagnostic.Severity.ToString().ToLowerInvariant(),
                ["code"] = diagnostic.Code,
                ["message"] = diagnostic.Message,
                ["skipped"] = diagnostic.Skipped,
            });
        }

        body["report"] = report;
        body["report_total"] = c.Diagnostics.Count;
        var lint = new JsonArray();
        foreach (var finding in c.Lint.Take(MaxReportEntries))
        {
            lint.Add((JsonNode)new JsonObject { ["tool"] = finding.Tool, ["code"] = finding.Code, ["message"] = finding.Message });
        }

        body["lint"] = lint;
        body["lint_total"] = c.Lint.Count;
        return body;
    }

    private static JsonArray Changes(ImportPlan plan, ToolChangeKind kind)
    {
        var array = new JsonArray();
        foreach (var change in plan.Changes.Where(c => c.Kind == kind))
        {
            var entry = new JsonObject
            {
                ["name"] = change.Name,
                ["reason"] = change.Reason,
                ["from_version"] = change.FromVersion,
                ["to_version"] = change.ToVersion,
                ["new_version"] = change.NewVersion ? change.StoredVersion : null,
            };
            if (kind == ToolChangeKind.Changed)
            {
                entry["changed_fields"] = new JsonArray(change.ChangedFields.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray());
            }

            array.Add((JsonNode)entry);
        }

        return array;
    }

    private static string? UrlRequest(byte[] document)
    {
        if (document.Length > 16 * 1024)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(document);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String
                && !root.TryGetProperty("openapi", out _) && !root.TryGetProperty("swagger", out _))
            {
                return url.GetString();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context, long max)
    {
        if (context.Request.ContentLength > max)
        {
            throw new DocumentTooLargeException(max);
        }

        // Kestrel's own cap (30 MB by default) must not cut the body before ours does.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = max + 1;
        }

        try
        {
            return await BoundedBody.ReadAsync(context.Request.Body, max, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new DocumentTooLargeException(max);
        }
    }

    /// <summary>
    /// Lets a write through when none of <paramref name="effects"/> is privileged, or when the elevation gate finds a grant;
    /// otherwise answers 403 with the approval URL and audits the refusal.
    /// </summary>
    private async Task<(bool Allowed, CurationNote? Note)> ElevateAsync(HttpContext context, CallerIdentity caller, string action, string? tool, string scope, string operation, string change, IReadOnlyList<CurationEffect> effects)
    {
        var names = string.Join(", ", effects.Where(e => e.Before?.Name != e.After?.Name || e.Before?.RiskLevel != e.After?.RiskLevel)
            .Take(20)
            .Select(e => $"'{e.Before?.Name ?? "(not served)"}' ({e.Before?.RiskLevel.ToWire() ?? "-"}) → '{e.After?.Name ?? "(not served)"}' ({e.After?.RiskLevel.ToWire() ?? "-"})"));
        var reasons = effects.SelectMany(CurationElevation.Reasons).ToList();
        if (reasons.Count == 0)
        {
            return (true, new CurationNote(names.Length == 0 ? null : "served " + names, null));
        }

        var why = string.Join("; ", reasons.Take(10)) + (reasons.Count > 10 ? $"; and {reasons.Count - 10} more" : string.Empty);
        var check = await CurationElevation.CheckAsync(elevation, caller, scope, operation, change, CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        if (check.Outcome == ElevationOutcome.Granted)
        {
            return (true, new CurationNote($"served {names}; privileged write ({why}) under elevation {check.Grant?.ApprovalReference}", check.Grant?.ApprovalReference));
        }

        var outcome = check.Outcome == ElevationOutcome.Required ? AuditOutcomes.ElevationRequired : AuditOutcomes.Denied;
        await registry.AuditRefusedAsync(action, outcome, caller, tool, $"refused: this write {why} and needs elevation for scope '{check.Scope}': {check.Reason}", CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        await AdminHttp.ProblemAsync(
            context,
            403,
            $"This change {why}, which needs an elevation grant for scope '{check.Scope}' ({check.Reason}). "
                + (check.ElevationUrl is null ? "Elevation cannot be granted here." : "Get it approved at elevation_url, then send the same request again."),
            CurationElevation.ProblemType,
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["scope"] = check.Scope, ["elevation_url"] = check.ElevationUrl?.ToString() }).ConfigureAwait(false);
        return (false, null);
    }

    /// <summary>
    /// Stages a curation write for a second approval when <see cref="ToolRegistryOptions.RequireSecondApproval"/> is on and
    /// <see cref="FourEyes.Reasons"/> finds a reason; answers 202 and returns <see langword="true"/> when it did.
    /// </summary>
    private async Task<bool> StageCurationAsync(HttpContext context, CallerIdentity caller, CurationEffect effect, long baseRevision, JsonObject payload, string what, CurationNote? note, string kind = ChangeKinds.Override)
    {
        if (!options.Value.RequireSecondApproval)
        {
            return false;
        }

        var reasons = FourEyes.Reasons(effect).ToList();
        if (reasons.Count == 0)
        {
            return false;
        }

        var diff = FourEyes.Diff(effect);
        diff["payload"] = payload.DeepClone();
        await StageAsync(context, caller, kind, effect.StoredName, null, what, payload, diff, baseRevision, reasons, note).ConfigureAwait(false);
        return true;
    }

    /// <summary>Stores a change for a second approval, audits the request and answers 202 with the change's id.</summary>
    private async Task StageAsync(HttpContext context, CallerIdentity caller, string kind, string? tool, string? source, string summary, JsonNode payload, JsonNode diff, long baseRevision, List<string> reasons, CurationNote? note)
    {
        var why = string.Join("; ", reasons.Take(10)) + (reasons.Count > 10 ? $"; and {reasons.Count - 10} more" : string.Empty);
        var change = new StagedChange(
            Guid.NewGuid().ToString("N"),
            kind,
            tool,
            source,
            CallerText.Bound($"{summary} ({why})", 1000),
            payload.ToJsonString(),
            diff.ToJsonString(),
            baseRevision,
            caller.UserId,
            time.GetUtcNow(),
            ChangeStates.Pending,
            ElevationReference: note?.ElevationReference);
        await registry.StageAsync(change, caller, CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = "/api/mcp/changes/" + change.Id;
        await WriteAsync(context, 202, new JsonObject
        {
            ["change_id"] = change.Id,
            ["state"] = "staged",
            ["kind"] = kind,
            ["summary"] = change.Summary,
            ["reasons"] = new JsonArray(reasons.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray()),
            ["detail"] = "Not applied: this change needs a second admin's approval (Msil:Mcp:Registry:RequireSecondApproval). Another admin approves it with POST /api/mcp/changes/" + change.Id + "/approve.",
        }).ConfigureAwait(false);
    }

    /// <summary>What an import would do to each tool already stored under its source, as served before and after, and the dry-run plan.</summary>
    private async Task<(ImportResult Plan, IReadOnlyList<CurationEffect> Effects)> ImportEffectsAsync(string source, OpenApiCompilation compilation, CancellationToken cancellationToken)
    {
        var plan = await registry.Store.ImportAsync(new ImportRequest("openapi:" + source, compilation.Tools, "(elevation check)", string.Empty, compilation.SpecVersion, DryRun: true), cancellationToken).ConfigureAwait(false);
        var effects = new List<CurationEffect>();
        foreach (var change in plan.Plan.Changes)
        {
            if (change.Kind is not (ToolChangeKind.Changed or ToolChangeKind.Removed) || change.Pinned)
            {
                continue;
            }

            if (await registry.Store.GetToolAsync(change.Name, cancellationToken).ConfigureAwait(false) is not { Tool.Retired: false } history)
            {
                continue;
            }

            var after = change.Kind == ToolChangeKind.Removed || change.Definition is null
                ? null
                : OverlayApplier.Apply(history.Tool with { Definition = change.Definition, CurrentVersion = change.StoredVersion ?? history.Tool.CurrentVersion });
            effects.Add(new CurationEffect(change.Name, OverlayApplier.Apply(history.Tool), after));
        }

        return (plan, effects);
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            var bytes = await BoundedBody.ReadAsync(context.Request.Body, MaxOverrideBytes, context.RequestAborted).ConfigureAwait(false);
            var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (Exception ex) when (ex is JsonException or DocumentTooLargeException)
        {
        }

        return null;
    }

    private static string RouteName(HttpContext context) => context.Request.RouteValues["name"]?.ToString() ?? string.Empty;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string CorrelationId(HttpContext context)
    {
        var id = context.Response.Headers["X-Correlation-ID"].ToString();
        return id.Length > 0 ? id : context.TraceIdentifier;
    }

    private static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    private static Task NotFoundAsync(HttpContext context, string name)
        => ProblemAsync(context, 404, $"No tool named '{name}' is stored.");

    private static Task ProblemAsync(HttpContext context, int status, string detail) => AdminHttp.ProblemAsync(context, status, detail);

    private static Task WriteAsync(HttpContext context, int status, JsonNode body) => AdminHttp.WriteAsync(context, status, body);

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex SourcePattern();
}
