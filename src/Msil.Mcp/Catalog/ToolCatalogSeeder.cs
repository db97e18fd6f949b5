using Microsoft.Extensions.Hosting;
using Msil.Mcp.Abstractions;
using Msil.Mcp.CustomHeaders;
using Msil.Mcp.Validation;

namespace Msil.Mcp.Catalog;

/// <summary>Tools a host adds in code, written into the catalog at start.</summary>
internal interface IToolCatalogSeed
{
    string Source { get; }

    IReadOnlyCollection<ToolDefinition> Tools { get; }
}

internal sealed record ToolCatalogSeed(string Source, IReadOnlyCollection<ToolDefinition> Tools) : IToolCatalogSeed;

/// <summary>
/// Writes the seeds into the catalog before the server takes requests. A bad tool stops the host with its name: an
/// invalid <c>x-mcp-header</c> declaration, or an input schema the validator cannot enforce as written (the message
/// names the schema path and keyword). Tools from other sources are only left out (see <see cref="GovernedToolCollection"/>).
/// </summary>
internal sealed class ToolCatalogSeeder(IEnumerable<IToolCatalogSeed> seeds, IToolCatalogWriter writer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var group in seeds.GroupBy(static s => s.Source, StringComparer.Ordinal))
        {
            var tools = group.SelectMany(static s => s.Tools).ToArray();
            foreach (var tool in tools)
            {
                if (McpHeaderSchema.Validate(tool.Name, tool.InputSchema) is { } problem)
                {
                    throw new InvalidOperationException($"Tool '{tool.Name}' from source '{group.Key}' cannot be added to the catalog. {problem}");
                }

                try
                {
                    _ = JsonSchemaValidator.Compile(tool.InputSchema);
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidOperationException(
                        $"Tool '{tool.Name}' from source '{group.Key}' cannot be added to the catalog: its input schema is refused. {ex.Message} Fix the schema: the validator enforces every JSON Schema 2020-12 keyword or refuses it (docs/architecture.md, Argument validation).",
                        ex);
                }
            }

            writer.ReplaceSource(group.Key, tools);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
