using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry;

/// <summary>Imports the configured OpenAPI documents into the catalog before the server takes requests.</summary>
internal sealed class StartupImporter(IOptions<ToolRegistryOptions> options, IToolCatalogWriter catalog, IHostEnvironment environment, ILogger<StartupImporter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        foreach (var source in o.Sources)
        {
            var compiler = new OpenApiToolCompiler(new OpenApiCompilerOptions
            {
                MaxDescriptionLength = o.MaxDescriptionLength,
                MaxDocumentBytes = o.MaxDocumentBytes,
                Gateway = source.Gateway,
                Audience = source.Audience,
            });

            OpenApiCompilation compilation;
            using (var stream = Open(source))
            {
                compilation = compiler.Compile(stream, source.Name);
            }

            if (!compilation.Succeeded)
            {
                var first = compilation.Diagnostics.FirstOrDefault(d => d.Severity == CompileSeverity.Error);
                throw new InvalidOperationException($"OpenAPI source '{source.Name}' (Msil:Mcp:Registry:Sources) could not be imported: {first?.Message ?? "the document could not be read"}.");
            }

            foreach (var d in compilation.Diagnostics.Where(d => d.Severity != CompileSeverity.Info))
            {
                Log.OperationReported(logger, source.Name, d.Operation ?? "(document)", d.Message);
            }

            catalog.ReplaceSource("openapi:" + source.Name, compilation.Tools);
            Log.SourceImported(logger, source.Name, compilation.Tools.Count, compilation.OperationCount);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private Stream Open(OpenApiSourceOptions source)
    {
        if (source.Open is not null)
        {
            return source.Open();
        }

        var path = Path.IsPathRooted(source.Path!) ? source.Path! : Path.Combine(environment.ContentRootPath, source.Path!);
        return File.OpenRead(path);
    }
}
