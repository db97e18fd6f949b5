using System.Text.Json;
using Bunit;
using Microsoft.FluentUI.AspNetCore.Components;
using Msil.Mcp.Chat.Components;

namespace Msil.Mcp.Chat.Tests.Components;

public sealed class SchemaFormTests : BunitContext
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "customer_id": { "type": "string", "description": "The customer" },
            "quantity": { "type": "integer" },
            "express": { "type": "boolean" },
            "channel": { "enum": ["web", "dealer"] },
            "tags": { "type": "array", "items": { "type": "string" } },
            "address": { "type": "object", "properties": { "city": { "type": "string" } } }
          },
          "required": ["customer_id", "quantity"]
        }
        """).RootElement;

    public SchemaFormTests()
    {
        Services.AddFluentUIComponents();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Render_Schema_OneLabelledControlPerArgument()
    {
        var cut = Render<SchemaForm>(p => p.Add(c => c.ToolName, "create_booking").Add(c => c.Schema, Schema));

        Assert.Equal("input", cut.Find("#arg-customer_id").TagName.ToLowerInvariant());
        Assert.Equal("input", cut.Find("#arg-quantity").TagName.ToLowerInvariant());
        Assert.Equal("select", cut.Find("#arg-express").TagName.ToLowerInvariant());
        Assert.Equal(["", "\"web\"", "\"dealer\""], cut.FindAll("#arg-channel option").Select(o => o.GetAttribute("value")));
        Assert.Equal("textarea", cut.Find("#arg-tags").TagName.ToLowerInvariant());
        Assert.Equal("textarea", cut.Find("#arg-address").TagName.ToLowerInvariant());
        Assert.All(cut.FindAll("input, select, textarea"), control => Assert.NotNull(cut.Find($"label[for='{control.Id}']")));
        Assert.Contains("customer_id *", cut.Find("label[for='arg-customer_id']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_Filled_SendsTypedArguments()
    {
        IReadOnlyDictionary<string, JsonElement>? sent = null;
        var cut = Render<SchemaForm>(p => p.Add(c => c.ToolName, "create_booking").Add(c => c.Schema, Schema)
            .Add(c => c.OnSubmit, (IReadOnlyDictionary<string, JsonElement> a) => sent = a));

        cut.Find("#arg-customer_id").Change("C001");
        cut.Find("#arg-quantity").Change("3");
        cut.Find("#arg-express").Change("true");
        cut.Find("#arg-channel").Change("\"dealer\"");
        cut.Find("#arg-tags").Change("red\nblue");
        cut.Find("#arg-address").Change("""{"city":"Pune"}""");
        cut.Find("form").Submit();

        Assert.NotNull(sent);
        Assert.Equal("C001", sent["customer_id"].GetString());
        Assert.Equal(3, sent["quantity"].GetInt32());
        Assert.True(sent["express"].GetBoolean());
        Assert.Equal("dealer", sent["channel"].GetString());
        Assert.Equal(["red", "blue"], sent["tags"].EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Pune", sent["address"].GetProperty("city").GetString());
    }

    [Fact]
    public void Submit_MissingRequiredAndBadInteger_ShowsErrorsAndSendsNothing()
    {
        var submitted = false;
        var cut = Render<SchemaForm>(p => p.Add(c => c.ToolName, "create_booking").Add(c => c.Schema, Schema)
            .Add(c => c.OnSubmit, (IReadOnlyDictionary<string, JsonElement> _) => submitted = true));

        cut.Find("#arg-quantity").Change("three");
        cut.Find("form").Submit();

        Assert.False(submitted);
        var errors = cut.FindAll(".errors li").Select(li => li.TextContent).ToList();
        Assert.Contains("'customer_id' is required.", errors);
        Assert.Contains(errors, e => e.StartsWith("'quantity'", StringComparison.Ordinal) && e.Contains("integer", StringComparison.Ordinal));
    }
}
