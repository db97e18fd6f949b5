using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
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
    private const string OverrideShape = "{\"enabled\", \"risk_level\", \"name\", \"title\", \"description\", \"hidden_parameters\", \"fixed_parameters\"} (all optional)";
    private const string RollbackShape = "{\"version\": n} with the stored version to serve (see GET /api/mcp/tools/{name})";

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        // The role filter (not RequireAuthorization) checks the caller, so that a refused request is audited too.
        var group = AdminHttp.Group(endpoints, "/api/mcp", registry, options, new RoleRequirement(AuditActions.Import, AdminHttp.AdminOnly));
        group.MapPost("/tools/import", HttpHandler.Run(ImportAsync));
        group.MapPut("/tools/{name}/override", HttpHandler.Run(PutOverrideAsync)).RequireRoleSet(AuditActions.RegistryOverride, AdminHttp.AdminOnly);
        group.MapDelete("/tools/{name}/override", HttpHandler.Run(DeleteOverrideAsync)).RequireRoleSet(AuditActions.RegistryOverride, AdminHttp.AdminOnly);
        group.MapPost("/tools/{name}/rollback", HttpHandler.Run(RollbackAsync)).RequireRoleSet(AuditActions.RegistryRollback, AdminHttp.AdminOnly);
        group.MapGet("/imports", HttpHandler.Run(ImportsAsync)).RequireRoleSet("registry.imports.read", AdminHttp.AdminOnly);
    }

    private async Task<IResult> ImportAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var o = options.Value;
        var query = context.Request.Query;
        var source = query["source"].ToString();
        if (!SourcePattern().IsMatch(source))
        {
            return AdminHttp.Problem(400, "Query parameter 'source' must name the document's source: 1–64 of A–Z a–z 0–9 . _ - (its tools are stored under openapi:{source}).");
        }

        var dryRun = query.TryGetValue("dryRun", out var d) && (d.ToString() is "true" or "1" or "True");
        byte[] document;
        try
        {
            document = await ReadBodyAsync(context, o.MaxDocumentBytes).ConfigureAwait(false);
        }
        catch (DocumentTooLargeException ex)
        {
            return AdminHttp.Problem(413, ex.Message + " Nothing was stored.");
        }

        if (document.Length == 0)
        {
            return AdminHttp.Problem(400, "The body is empty: send the OpenAPI document (JSON or YAML), or {\"url\": \"https://…\"} for a host on the allow-list.");
        }

        if (UrlRequest(document) is { } url)
        {
            if (fetcher.Check(url, out var uri) is { } refused)
            {
                return AdminHttp.Problem(400, refused);
            }

            try
            {
                document = await fetcher.FetchAsync(uri!, context.RequestAborted).ConfigureAwait(false);
            }
            catch (DocumentTooLargeException ex)
            {
                return AdminHttp.Problem(413, ex.Message + " Nothing was stored.");
            }
            catch (FetchRefusedException ex)
            {
                return AdminHttp.Problem(400, ex.Message);
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
            if (elevated.Refusal is { } refusal)
            {
                return refusal;
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
                var diff = JsonSerializer.Serialize(Report(new ImportOutcome(ImportRefusal.None, null, compilation, planned), dryRun: true, DocumentHash.Of(document)), RegistryApiJsonContext.Default.ImportReportResponse);
                var p = planned.Plan;
                var summary = $"import openapi:{source}: {p.Count(ToolChangeKind.Added)} added, {p.Count(ToolChangeKind.Changed)} changed, {p.Count(ToolChangeKind.Removed)} removed";
                return await StageAsync(context, caller, ChangeKinds.Import, null, "openapi:" + source, summary, payload, diff, planned.Revision, reasons, note).ConfigureAwait(false);
            }
        }

        var outcome = await registry.ImportAsync(source, compilation, DocumentHash.Of(document), dryRun, caller, AdminHttp.CorrelationId(context), context.RequestAborted, note: note).ConfigureAwait(false);
        var body = Report(outcome, dryRun, DocumentHash.Of(document));
        if (outcome.Refusal == ImportRefusal.None)
        {
            return AdminHttp.Json(body, RegistryApiJsonContext.Default.ImportReportResponse);
        }

        // A refused import keeps its report next to the problem's members.
        var (status, title) = outcome.Refusal switch
        {
            ImportRefusal.Unreadable => (400, "Bad Request"),
            ImportRefusal.TooManyOperations => (422, "Unprocessable Content"),
            _ => (409, "Conflict"),
        };
        var problem = body with { Status = status, Title = title, Detail = outcome.Problem + " Nothing was stored." };
        return AdminHttp.Json(problem, RegistryApiJsonContext.Default.ImportReportResponse, status, "application/problem+json");
    }

    private async Task<IResult> PutOverrideAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var name = registry.StoredName(RouteName(context));
        var baseRevision = await registry.Store.GetRevisionAsync(context.RequestAborted).ConfigureAwait(false);
        var history = await registry.Store.GetToolAsync(name, context.RequestAborted).ConfigureAwait(false);
        if (history is null)
        {
            return NotFound(name);
        }

        var (request, bad) = await HttpJsonBody.ReadAsync(context, RegistryApiJsonContext.Default.OverrideRequest, OverrideShape, MaxOverrideBytes).ConfigureAwait(false);
        if (request is null)
        {
            return bad!;
        }

        // The typed body settles the JSON types; the override's own check names what is wrong with the values (and unknown fields).
        var (value, errors) = ToolOverride.Parse(JsonSerializer.SerializeToElement(request, RegistryApiJsonContext.Default.OverrideRequest));
        if (value is not null)
        {
            errors = OverlayApplier.Check(value, history.Tool.Definition);
        }

        if (errors.Count > 0)
        {
            return AdminHttp.Problem(400, "Invalid override: " + string.Join("; ", errors) + ".");
        }

        var effect = new CurationEffect(name, OverlayApplier.Apply(history.Tool), OverlayApplier.Apply(history.Tool with { Override = value }));
        var elevated = await ElevateAsync(context, caller, AuditActions.RegistryOverride, name, "registry.curate:" + name, "override", value!.ToJson(), [effect]).ConfigureAwait(false);
        if (elevated.Refusal is { } refusal)
        {
            return refusal;
        }

        if (await StageCurationAsync(context, caller, effect, baseRevision, new JsonObject { ["name"] = name, ["override"] = JsonNode.Parse(value!.ToJson()) }, $"override of '{name}'", elevated.Note).ConfigureAwait(false) is { } staged)
        {
            return staged;
        }

        var result = await registry.SetOverrideAsync(name, value, caller, AdminHttp.CorrelationId(context), elevated.Note, context.RequestAborted).ConfigureAwait(false);
        return await ResultAsync(context, name, result).ConfigureAwait(false);
    }

    private async Task<IResult> DeleteOverrideAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var name = registry.StoredName(RouteName(context));
        CurationNote? note = null;
        var baseRevision = await registry.Store.GetRevisionAsync(context.RequestAborted).ConfigureAwait(false);
        if (await registry.Store.GetToolAsync(name, context.RequestAborted).ConfigureAwait(false) is { } history)
        {
            var effect = new CurationEffect(name, OverlayApplier.Apply(history.Tool), OverlayApplier.Apply(history.Tool with { Override = null }));
            var elevated = await ElevateAsync(context, caller, AuditActions.RegistryOverride, name, "registry.curate:" + name, "override.delete", history.Tool.Override?.ToJson() ?? "{}", [effect]).ConfigureAwait(false);
            if (elevated.Refusal is { } refusal)
            {
                return refusal;
            }

            note = elevated.Note;
            if (history.Tool.Override is not null
                && await StageCurationAsync(context, caller, effect, baseRevision, new JsonObject { ["name"] = name, ["override"] = null }, $"removal of the override of '{name}'", note).ConfigureAwait(false) is { } staged)
            {
                return staged;
            }
        }

        var result = await registry.DeleteOverrideAsync(name, caller, AdminHttp.CorrelationId(context), note, context.RequestAborted).ConfigureAwait(false);
        return await ResultAsync(context, name, result).ConfigureAwait(false);
    }

    private async Task<IResult> RollbackAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var name = registry.StoredName(RouteName(context));
        var (request, bad) = await HttpJsonBody.ReadAsync(context, RegistryApiJsonContext.Default.RollbackRequest, RollbackShape).ConfigureAwait(false);
        if (request is null)
        {
            return bad!;
        }

        if (request.Version is not { } version || version < 1)
        {
            return AdminHttp.Problem(400, "The body must be {\"version\": n} with the stored version to serve (see GET /api/mcp/tools/{name}).");
        }

        CurationNote? note = null;
        var baseRevision = await registry.Store.GetRevisionAsync(context.RequestAborted).ConfigureAwait(false);
        if (await registry.Store.GetToolAsync(name, context.RequestAborted).ConfigureAwait(false) is { } history
            && await registry.Store.GetVersionAsync(name, version, context.RequestAborted).ConfigureAwait(false) is { } target)
        {
            var effect = new CurationEffect(name, OverlayApplier.Apply(history.Tool), OverlayApplier.Apply(history.Tool with { Definition = target, CurrentVersion = version }));
            var elevated = await ElevateAsync(context, caller, AuditActions.RegistryRollback, name, "registry.curate:" + name, "rollback", $"{{\"version\":{version.ToString(CultureInfo.InvariantCulture)}}}", [effect]).ConfigureAwait(false);
            if (elevated.Refusal is { } refusal)
            {
                return refusal;
            }

            note = elevated.Note;
            if (version != history.Tool.CurrentVersion
                && await StageCurationAsync(context, caller, effect, baseRevision, new JsonObject { ["name"] = name, ["version"] = version }, $"rollback of '{name}' to version {version}", note, ChangeKinds.Rollback).ConfigureAwait(false) is { } staged)
            {
                return staged;
            }
        }

        var result = await registry.RollbackAsync(name, version, caller, AdminHttp.CorrelationId(context), note, context.RequestAborted).ConfigureAwait(false);
        return await ResultAsync(context, name, result).ConfigureAwait(false);
    }

    private async Task<IResult> ImportsAsync(HttpContext context)
    {
        if (AdminHttp.Paging(context, out var page, out var pageSize) is { } bad)
        {
            return bad;
        }

        var imports = await registry.Store.GetImportsAsync((page - 1) * pageSize, pageSize, context.RequestAborted).ConfigureAwait(false);
        var list = imports.Select(i => new ImportEntryResponse(
            i.Id, i.Source, i.Actor, RegistryApiJson.RoundTrip(i.ImportedAt), i.DocumentHash, i.SpecVersion, i.Added, i.Changed, i.Removed, i.Unchanged)).ToList();
        return AdminHttp.Json(new ImportListResponse(list, page, pageSize), RegistryApiJsonContext.Default.ImportListResponse);
    }

    private async Task<IResult> ResultAsync(HttpContext context, string name, StoreWriteResult result)
    {
        switch (result.Status)
        {
            case StoreWriteStatus.Done:
                var history = await registry.Store.GetToolAsync(name, context.RequestAborted).ConfigureAwait(false);
                return history is null
                    ? AdminHttp.Json(new RevisionResponse(result.Revision), RegistryApiJsonContext.Default.RevisionResponse)
                    : DiscoveryShape.History(history, registry, result.Revision);
            case StoreWriteStatus.NotFound:
                return NotFound(name);
            case StoreWriteStatus.NoSuchVersion:
                return AdminHttp.Problem(400, char.ToUpperInvariant(result.Detail![0]) + result.Detail[1..] + ".");
            default:
                return AdminHttp.Problem(409, "Conflict: " + result.Detail + ".");
        }
    }

    internal static ImportReportResponse Report(ImportOutcome outcome, bool dryRun, string documentHash)
    {
        var c = outcome.Compilation;
        var result = outcome.Result;
        return new ImportReportResponse
        {
            Source = "openapi:" + c.SourceName,
            DryRun = dryRun,
            Stored = outcome.Refusal == ImportRefusal.None && !dryRun,
            DocumentSha256 = documentHash,
            SpecVersion = c.SpecVersion,
            Operations = c.OperationCount,
            Tools = c.Tools.Count,
            ImportId = result is null ? null : RegistryApiJson.Present(result.ImportId),
            Revision = result?.Revision,
            Added = result is null ? null : Changes(result.Plan, ToolChangeKind.Added),
            Changed = result is null ? null : Changes(result.Plan, ToolChangeKind.Changed),
            Removed = result is null ? null : Changes(result.Plan, ToolChangeKind.Removed),
            Unchanged = result?.Plan.Count(ToolChangeKind.Unchanged),
            Conflicts = result is { Plan.HasConflicts: true } ? Changes(result.Plan, ToolChangeKind.Conflict) : null,
            Report = [.. c.Diagnostics.Take(MaxReportEntries).Select(d => new ImportDiagnosticResponse(d.Operation, d.Severity.ToString().ToLowerInvariant(), d.Code, d.Message, d.Skipped))],
            ReportTotal = c.Diagnostics.Count,
            Lint = [.. c.Lint.Take(MaxReportEntries).Select(f => new ImportLintResponse(f.Tool, f.Code, f.Message))],
            LintTotal = c.Lint.Count,
        };
    }

    private static List<ImportChangeResponse> Changes(ImportPlan plan, ToolChangeKind kind)
        => [.. plan.Changes.Where(c => c.Kind == kind).Select(change => new ImportChangeResponse(
            change.Name,
            change.Reason,
            change.FromVersion,
            change.ToVersion,
            change.NewVersion ? change.StoredVersion : null,
            kind == ToolChangeKind.Changed ? change.ChangedFields : null))];

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
    /// otherwise audits the refusal and returns the 403 answer with the approval URL.
    /// </summary>
    private async Task<(IResult? Refusal, CurationNote? Note)> ElevateAsync(HttpContext context, CallerIdentity caller, string action, string? tool, string scope, string operation, string change, IReadOnlyList<CurationEffect> effects)
    {
        var names = string.Join(", ", effects.Where(e => e.Before?.Name != e.After?.Name || e.Before?.RiskLevel != e.After?.RiskLevel)
            .Take(20)
            .Select(e => $"'{e.Before?.Name ?? "(not served)"}' ({e.Before?.RiskLevel.ToWire() ?? "-"}) → '{e.After?.Name ?? "(not served)"}' ({e.After?.RiskLevel.ToWire() ?? "-"})"));
        var reasons = effects.SelectMany(CurationElevation.Reasons).ToList();
        if (reasons.Count == 0)
        {
            return (null, new CurationNote(names.Length == 0 ? null : "served " + names, null));
        }

        var why = string.Join("; ", reasons.Take(10)) + (reasons.Count > 10 ? $"; and {reasons.Count - 10} more" : string.Empty);
        var check = await CurationElevation.CheckAsync(elevation, caller, scope, operation, change, AdminHttp.CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        if (check.Outcome == ElevationOutcome.Granted)
        {
            return (null, new CurationNote($"served {names}; privileged write ({why}) under elevation {check.Grant?.ApprovalReference}", check.Grant?.ApprovalReference));
        }

        var outcome = check.Outcome == ElevationOutcome.Required ? AuditOutcomes.ElevationRequired : AuditOutcomes.Denied;
        await registry.AuditRefusedAsync(action, outcome, caller, tool, $"refused: this write {why} and needs elevation for scope '{check.Scope}': {check.Reason}", AdminHttp.CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        var problem = HttpProblem.Result(
            403,
            $"This change {why}, which needs an elevation grant for scope '{check.Scope}' ({check.Reason}). "
                + (check.ElevationUrl is null ? "Elevation cannot be granted here." : "Get it approved at elevation_url, then send the same request again."),
            CurationElevation.ProblemType,
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["scope"] = check.Scope, ["elevation_url"] = check.ElevationUrl?.ToString() });
        return (problem, null);
    }

    /// <summary>
    /// Stages a curation write for a second approval when <see cref="ToolRegistryOptions.RequireSecondApproval"/> is on and
    /// <see cref="FourEyes.Reasons"/> finds a reason; returns the 202 answer when it did, else <see langword="null"/>.
    /// </summary>
    private async Task<IResult?> StageCurationAsync(HttpContext context, CallerIdentity caller, CurationEffect effect, long baseRevision, JsonObject payload, string what, CurationNote? note, string kind = ChangeKinds.Override)
    {
        if (!options.Value.RequireSecondApproval)
        {
            return null;
        }

        var reasons = FourEyes.Reasons(effect).ToList();
        if (reasons.Count == 0)
        {
            return null;
        }

        var diff = FourEyes.Diff(effect);
        diff["payload"] = payload.DeepClone();
        return await StageAsync(context, caller, kind, effect.StoredName, null, what, payload, diff.ToJsonString(), baseRevision, reasons, note).ConfigureAwait(false);
    }

    /// <summary>Stores a change for a second approval, audits the request and returns the 202 answer with the change's id.</summary>
    private async Task<IResult> StageAsync(HttpContext context, CallerIdentity caller, string kind, string? tool, string? source, string summary, JsonNode payload, string diff, long baseRevision, List<string> reasons, CurationNote? note)
    {
        var why = string.Join("; ", reasons.Take(10)) + (reasons.Count > 10 ? $"; and {reasons.Count - 10} more" : string.Empty);
        var change = new StagedChange(
            Guid.NewGuid().ToString("N"),
            kind,
            tool,
            source,
            CallerText.Bound($"{summary} ({why})", 1000),
            payload.ToJsonString(),
            diff,
            baseRevision,
            caller.UserId,
            time.GetUtcNow(),
            ChangeStates.Pending,
            ElevationReference: note?.ElevationReference);
        await registry.StageAsync(change, caller, AdminHttp.CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = "/api/mcp/changes/" + change.Id;
        var answer = new StagedChangeResponse(
            change.Id,
            "staged",
            kind,
            change.Summary,
            reasons,
            "Not applied: this change needs a second admin's approval (Msil:Mcp:Registry:RequireSecondApproval). Another admin approves it with POST /api/mcp/changes/" + change.Id + "/approve.");
        return AdminHttp.Json(answer, RegistryApiJsonContext.Default.StagedChangeResponse, StatusCodes.Status202Accepted);
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

    private static string RouteName(HttpContext context) => context.Request.RouteValues["name"]?.ToString() ?? string.Empty;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static ProblemHttpResult NotFound(string name)
        => AdminHttp.Problem(404, $"No tool named '{CallerText.Bound(name, 128)}' is stored.");

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex SourcePattern();
}
