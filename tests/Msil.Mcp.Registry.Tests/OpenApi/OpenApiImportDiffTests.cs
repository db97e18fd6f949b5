using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>The public import diff (<see cref="OpenApiImportDiff"/>): what a re-import of a document would do, without a store.</summary>
public sealed class OpenApiImportDiffTests
{
    private const string Before = """
        openapi: 3.0.3
        info: {title: Shop, version: "1"}
        paths:
          /orders:
            get: {operationId: listOrders, description: Lists orders., responses: {'200': {description: ok}}}
          /orders/{id}:
            get: {operationId: getOrder, description: Reads an order., parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'200': {description: ok}}}
          /carts:
            get: {operationId: listCarts, responses: {'200': {description: ok}}}
        """;

    private const string After = """
        openapi: 3.0.3
        info: {title: Shop, version: "1"}
        paths:
          /orders:
            get: {operationId: listOrders, description: Lists orders., responses: {'200': {description: ok}}}
          /orders/{id}:
            get: {operationId: getOrder, description: Reads one order by id., parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'200': {description: ok}}}
          /invoices:
            get: {operationId: listInvoices, responses: {'200': {description: ok}}}
        """;

    [Fact]
    public void Compare_EditedDocument_AddedChangedRemovedUnchangedInNameOrder()
    {
        var diff = OpenApiImportDiff.Compare(Tools(Before), Tools(After));

        Assert.Equal(
            [
                ("get_order", OpenApiToolChangeKind.Changed),
                ("list_carts", OpenApiToolChangeKind.Removed),
                ("list_invoices", OpenApiToolChangeKind.Added),
                ("list_orders", OpenApiToolChangeKind.Unchanged),
            ],
            diff.Changes.Select(c => (c.Name, c.Kind)));
        var changed = diff.Changes[0];
        Assert.Contains("description", changed.ChangedFields);
        Assert.DoesNotContain("input_schema", changed.ChangedFields);
        Assert.Contains("description", changed.Reason, StringComparison.Ordinal);
        Assert.Empty(diff.Changes[2].ChangedFields);
        Assert.Equal(1, diff.Count(OpenApiToolChangeKind.Added));
        Assert.Equal(1, diff.Count(OpenApiToolChangeKind.Unchanged));
    }

    [Fact]
    public void Compare_SameDocument_EverythingUnchanged()
    {
        var diff = OpenApiImportDiff.Compare(Tools(Before), Tools(Before));

        Assert.All(diff.Changes, c => Assert.Equal(OpenApiToolChangeKind.Unchanged, c.Kind));
        Assert.Equal(3, diff.Count(OpenApiToolChangeKind.Unchanged));
    }

    [Fact]
    public void Compare_TwoToolsOfOneName_Throws()
    {
        var tools = Tools(Before);

        var ex = Assert.Throws<ArgumentException>(() => OpenApiImportDiff.Compare([tools[0], tools[0]], tools));

        Assert.Equal("before", ex.ParamName);
        Assert.Contains(tools[0].Name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => OpenApiImportDiff.Compare(null!, []));
        Assert.Throws<ArgumentNullException>(() => OpenApiImportDiff.Compare([], null!));
    }

    private static IReadOnlyList<ToolDefinition> Tools(string spec) => new OpenApiToolCompiler().Compile(spec, "shop").Tools;
}
