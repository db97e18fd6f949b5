using System.ComponentModel;
using System.Text;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Msil.Mcp.ConformanceServer;

/// <summary>The resources and the resource template the suite reads (plain SDK registration: resources are not governed tools).</summary>
[McpServerResourceType]
internal sealed class ConformanceResources
{
    [McpServerResource(UriTemplate = "test://static-text", Name = "static-text", MimeType = "text/plain")]
    [Description("A static text resource")]
    public static string StaticText() => "This is the content of the static text resource.";

    [McpServerResource(UriTemplate = "test://static-binary", Name = "static-binary", MimeType = "image/png")]
    [Description("A static binary resource (a 1x1 PNG)")]
    public static BlobResourceContents StaticBinary() => new()
    {
        Uri = "test://static-binary",
        MimeType = "image/png",
        Blob = Encoding.UTF8.GetBytes(ConformanceTools.PngBase64),
    };

    [McpServerResource(UriTemplate = "test://template/{id}/data", Name = "template-data", MimeType = "application/json")]
    [Description("A resource template with an id parameter")]
    public static TextResourceContents TemplateData([Description("The id")] string id) => new()
    {
        Uri = $"test://template/{id}/data",
        MimeType = "application/json",
        Text = $$"""{"id":"{{id}}","templateTest":true,"data":"Data for ID: {{id}}"}""",
    };

    [McpServerResource(UriTemplate = "test://watched-resource", Name = "watched-resource", MimeType = "text/plain")]
    [Description("A resource clients can subscribe to")]
    public static string Watched() => "Watched resource content";
}

/// <summary>The prompts the suite gets.</summary>
[McpServerPromptType]
internal sealed class ConformancePrompts
{
    [McpServerPrompt(Name = "test_simple_prompt")]
    [Description("A prompt without arguments")]
    public static string Simple() => "This is a simple prompt for testing.";

    [McpServerPrompt(Name = "test_prompt_with_arguments")]
    [Description("A prompt with two arguments")]
    public static string WithArguments([Description("First test argument")] string arg1, [Description("Second test argument")] string arg2)
        => $"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'";

    [McpServerPrompt(Name = "test_prompt_with_embedded_resource")]
    [Description("A prompt with an embedded resource")]
    public static IEnumerable<PromptMessage> WithEmbeddedResource([Description("URI of the resource to embed")] string resourceUri) =>
    [
        new PromptMessage
        {
            Role = Role.User,
            Content = new EmbeddedResourceBlock
            {
                Resource = new TextResourceContents { Uri = resourceUri, MimeType = "text/plain", Text = "Embedded resource content for testing." },
            },
        },
        new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "Please process the embedded resource above." } },
    ];

    [McpServerPrompt(Name = "test_prompt_with_image")]
    [Description("A prompt with an image")]
    public static IEnumerable<PromptMessage> WithImage() =>
    [
        new PromptMessage { Role = Role.User, Content = new ImageContentBlock { MimeType = "image/png", Data = Encoding.UTF8.GetBytes(ConformanceTools.PngBase64) } },
        new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "Please analyze the image above." } },
    ];

    /// <summary>
    /// Prompts are plain SDK registration, not governed tools, so this fixture speaks the SDK's MRTR API directly:
    /// it asks for a context through an input-required result, then builds the prompt from the answer.
    /// </summary>
    [McpServerPrompt(Name = "test_input_required_result_prompt")]
    [Description("A prompt that asks the user for a context first (input-required result, SEP-2322)")]
    public static IEnumerable<PromptMessage> WithInputRequired(RequestContext<GetPromptRequestParams> request)
    {
        if (request.Params?.InputResponses?.TryGetValue("user_context", out var response) == true
            && response.Deserialize(InputResponse.ElicitResultJsonTypeInfo) is { Action: "accept", Content: { } content }
            && content.TryGetValue("context", out var context) && context.ValueKind == System.Text.Json.JsonValueKind.String)
        {
            return [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"Use this context: {context.GetString()}" } }];
        }

        throw new InputRequiredException(
            new Dictionary<string, InputRequest>
            {
                ["user_context"] = InputRequest.ForElicitation(new ElicitRequestParams
                {
                    Message = "What context should the prompt use?",
                    RequestedSchema = new ElicitRequestParams.RequestSchema
                    {
                        Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                        {
                            ["context"] = new ElicitRequestParams.StringSchema(),
                        },
                        Required = ["context"],
                    },
                }),
            },
            requestState: null);
    }
}
