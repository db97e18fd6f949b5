using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Msil.Mcp.Generators;

/// <summary>
/// Turns methods marked <c>[MsilTool]</c> into governed Msil.Mcp tools at compile time: a <c>ToolDefinition</c> with
/// JSON Schemas per tool, one executor per class that binds the arguments and calls the methods directly, and one
/// registration extension per class.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class MsilToolGenerator : IIncrementalGenerator
{
    /// <summary>The tracking names of the pipeline's steps, for incremental-caching tests.</summary>
    public static class StepNames
    {
        /// <summary>One result per <c>[MsilTool]</c> method.</summary>
        public const string ToolMethods = "MsilToolMethods";

        /// <summary>The tools grouped by class.</summary>
        public const string ToolClasses = "MsilToolClasses";
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var results = context.SyntaxProvider.ForAttributeWithMetadataName(
                ToolParser.ToolAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                ToolParser.Parse)
            .WithTrackingName(StepNames.ToolMethods);

        context.RegisterSourceOutput(results, static (spc, result) =>
        {
            foreach (var diagnostic in result.Diagnostics)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        var grouped = results.Collect().Select(static (all, _) => Group(all)).WithTrackingName(StepNames.ToolClasses);

        context.RegisterSourceOutput(grouped, static (spc, group) =>
        {
            foreach (var diagnostic in group.Diagnostics)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            foreach (var model in group.Classes)
            {
                spc.AddSource(model.FullName + ".MsilTools.g.cs", ToolEmitter.Emit(model));
            }
        });
    }

    private static GroupResult Group(ImmutableArray<ToolParseResult> all)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var byName = new Dictionary<string, ToolModel>(StringComparer.Ordinal);
        var byClass = new Dictionary<string, List<ToolModel>>(StringComparer.Ordinal);
        foreach (var result in all)
        {
            if (result.Tool is not { } tool)
            {
                continue;
            }

            if (byName.TryGetValue(tool.ToolName, out var first))
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.DuplicateToolName.Id, tool.Location,
                    new EquatableArray<string>([tool.ToolName, tool.ClassName + "." + tool.MethodName, first.ClassName + "." + first.MethodName])));
                continue;
            }

            byName[tool.ToolName] = tool;
            var key = tool.Namespace + "." + tool.ClassName;
            if (!byClass.TryGetValue(key, out var list))
            {
                byClass[key] = list = [];
            }

            list.Add(tool);
        }

        var classes = byClass.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var tool = p.Value[0];
            return new ClassModel(tool.Namespace, tool.ClassName, tool.ClassIsPublic, tool.ClassIsStatic, tool.Domain, tool.Source, new EquatableArray<ToolModel>(p.Value));
        });
        return new GroupResult(new EquatableArray<ClassModel>(classes), new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    private sealed record GroupResult(EquatableArray<ClassModel> Classes, EquatableArray<DiagnosticInfo> Diagnostics);
}
