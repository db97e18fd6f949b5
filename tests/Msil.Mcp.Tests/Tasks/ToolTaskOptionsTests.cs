using Microsoft.Extensions.Options;
using Msil.Mcp.Tasks;

namespace Msil.Mcp.Tests.Tasks;

/// <summary>The tasks options are checked at start, each message naming its key.</summary>
public sealed class ToolTaskOptionsTests
{
    [Theory]
    [InlineData(nameof(ToolTaskOptions.ImmediateResultWindowMs), -1, "Msil:Mcp:Tasks:ImmediateResultWindowMs")]
    [InlineData(nameof(ToolTaskOptions.TtlSeconds), 0, "Msil:Mcp:Tasks:TtlSeconds")]
    [InlineData(nameof(ToolTaskOptions.PollIntervalMs), 0, "Msil:Mcp:Tasks:PollIntervalMs")]
    [InlineData(nameof(ToolTaskOptions.MaxActivePerCaller), 0, "Msil:Mcp:Tasks:MaxActivePerCaller")]
    public void Validate_OutOfRange_FailsNamingTheKey(string property, int value, string key)
    {
        var options = new ToolTaskOptions();
        typeof(ToolTaskOptions).GetProperty(property)!.SetValue(options, value);

        var result = new ToolTaskOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_Succeed()
        => Assert.Equal(ValidateOptionsResult.Success, new ToolTaskOptionsValidator().Validate(null, new ToolTaskOptions()));

    [Fact]
    public async Task Start_BadTasksOption_FailsTheHost()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Hosting.TestHost.StartAsync(mcp => mcp.Services.Configure<ToolTaskOptions>(o => o.TtlSeconds = -5)));

        Assert.Contains("Msil:Mcp:Tasks:TtlSeconds", error.Message, StringComparison.Ordinal);
    }
}
