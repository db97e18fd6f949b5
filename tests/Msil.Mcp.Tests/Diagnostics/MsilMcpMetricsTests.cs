using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Tests.Diagnostics;

public sealed class MsilMcpMetricsTests
{
    [Theory]
    [InlineData("tools/call")]
    [InlineData("tools/list")]
    [InlineData("initialize")]
    [InlineData("tasks/get")]
    public void KnownMethod_McpMethod_ItsOwnName(string method) => Assert.Equal(method, MsilMcpMetrics.KnownMethod(method));

    [Theory]
    [InlineData("tools/call2")]
    [InlineData("Tools/Call")]
    [InlineData("x")]
    [InlineData("")]
    public void KnownMethod_AnythingElse_Other(string method) => Assert.Equal(MsilMcpMetrics.OtherMethod, MsilMcpMetrics.KnownMethod(method));
}
