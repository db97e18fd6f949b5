using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// Stage 7, shape: records what the executor produced (outcome, backend status, result size) and maps it for the
/// model, capped at <see cref="MsilMcpOptions.MaxResultChars"/> with a notice. Used inline and by the task runner.
/// </summary>
internal sealed class ShapeStage(IOptionsMonitor<MsilMcpOptions> options)
{
    /// <summary>Records the result on <paramref name="state"/> and shapes it.</summary>
    /// <param name="state">The call.</param>
    /// <param name="result">What the executor produced.</param>
    /// <param name="writeJson">
    /// Whether a result made from JSON bytes (<see cref="ToolResult.Utf8Json"/>) may be shaped into placeholders that
    /// <see cref="CallResultWriter"/> fills from the bytes (<see cref="CallState.ShapedJson"/>); only for a call whose
    /// answer that writer writes (<see cref="CallResultWriter.WritesJson"/>).
    /// </param>
    public CallToolResult Complete(CallState state, ToolResult result, bool writeJson = false)
    {
        state.BackendStatus = result.BackendStatus;
        state.ResultSize = result.Size == 0 && result.Content.Count > 0 ? ContentCharacters(result.Content) : result.Size;
        state.Outcome = result.IsError ? AuditOutcomes.ToolError : AuditOutcomes.Success;
        if (result.IsError)
        {
            state.Detail = result.Text.Length <= 256 ? result.Text : string.Concat(result.Text.AsSpan(0, 256), "…");
        }

        var maxChars = options.CurrentValue.MaxResultChars;
        if (writeJson && ShapeJson(result, maxChars) is { } placeholders)
        {
            state.ShapedJson = result;
            return state.Shaped = placeholders;
        }

        return state.Shaped = Shape(result, maxChars);
    }

    /// <summary>
    /// The result for a successful result made from JSON bytes that fits in <paramref name="maxChars"/>: no content and
    /// the structured content's placeholder, which <see cref="CallResultWriter"/> replaces with the text block and the
    /// structured content written from the bytes (exactly what <see cref="Shape"/> makes of the decoded and parsed
    /// result); <see langword="null"/> for any other result, which <see cref="Shape"/> shapes as before.
    /// </summary>
    internal static CallToolResult? ShapeJson(ToolResult result, int maxChars)
    {
        var json = result.Utf8Json;
        if (json.IsEmpty || result.IsError || result.Content.Count > 0 || Encoding.UTF8.GetCharCount(json.Span) > maxChars)
        {
            return null;
        }

        return new CallToolResult { Content = [], StructuredContent = CallResultWriter.Placeholder };
    }

    internal static CallToolResult Shape(ToolResult result, int maxChars)
    {
        if (result.Content.Count > 0)
        {
            return ShapeContent(result, maxChars);
        }

        var text = result.Text;
        var structured = result.StructuredContent;
        if (text.Length > maxChars)
        {
            text = string.Concat(text.AsSpan(0, maxChars), $"\n\n[Result cut at {maxChars} of {result.Text.Length} characters.]");
            structured = null;
        }

        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = structured is { ValueKind: JsonValueKind.Object } ? structured : null,
            IsError = result.IsError ? true : null,
        };
    }

    /// <summary>
    /// Maps content blocks onto the SDK's, within <paramref name="maxChars"/> (text and base64 data together): a text
    /// block that does not fit is cut, any other block that does not fit is left out; a notice says what was cut.
    /// </summary>
    private static CallToolResult ShapeContent(ToolResult result, int maxChars)
    {
        var total = ContentCharacters(result.Content);
        var budget = (long)maxChars;
        var blocks = new List<ContentBlock>(result.Content.Count + 1);
        var omitted = 0;
        foreach (var content in result.Content)
        {
            var size = content.CharacterCount;
            if (size <= budget)
            {
                blocks.Add(ToBlock(content));
                budget -= size;
            }
            else if (content is TextToolContent text && budget > 0)
            {
                blocks.Add(new TextContentBlock { Text = text.Text[..(int)budget] });
                budget = 0;
            }
            else
            {
                omitted++; // a later, smaller block may still fit
            }
        }

        var cut = total > maxChars;
        if (cut)
        {
            blocks.Add(new TextContentBlock { Text = $"[Result cut at {maxChars} of {total} characters; {omitted} content block(s) left out.]" });
        }

        return new CallToolResult
        {
            Content = blocks,
            StructuredContent = !cut && result.StructuredContent is { ValueKind: JsonValueKind.Object } s ? s : null,
            IsError = result.IsError ? true : null,
        };
    }

    private static ContentBlock ToBlock(ToolContent content) => content switch
    {
        TextToolContent t => new TextContentBlock { Text = t.Text },
        ImageToolContent i => new ImageContentBlock { Data = Encoding.UTF8.GetBytes(i.Data), MimeType = i.MimeType },
        AudioToolContent a => new AudioContentBlock { Data = Encoding.UTF8.GetBytes(a.Data), MimeType = a.MimeType },
        EmbeddedResourceToolContent { Blob: { } blob } r => new EmbeddedResourceBlock
        {
            Resource = new BlobResourceContents { Uri = r.Uri, MimeType = r.MimeType, Blob = Encoding.UTF8.GetBytes(blob) },
        },
        EmbeddedResourceToolContent r => new EmbeddedResourceBlock
        {
            Resource = new TextResourceContents { Uri = r.Uri, MimeType = r.MimeType, Text = r.Text ?? string.Empty },
        },
        ResourceLinkToolContent l => new ResourceLinkBlock { Uri = l.Uri, Name = l.Name, MimeType = l.MimeType, Description = l.Description },
        _ => throw new NotSupportedException($"Content of type {content.GetType().Name} is not supported."),
    };

    private static long ContentCharacters(IReadOnlyList<ToolContent> content)
    {
        long total = 0;
        foreach (var c in content)
        {
            total += c.CharacterCount;
        }

        return total;
    }
}
