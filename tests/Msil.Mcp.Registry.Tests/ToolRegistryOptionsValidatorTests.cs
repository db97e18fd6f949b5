namespace Msil.Mcp.Registry.Tests;

/// <summary>The registry's start-up checks: each bad value is refused with a message that names its key.</summary>
public sealed class ToolRegistryOptionsValidatorTests
{
    private static readonly ToolRegistryOptionsValidator Validator = new();

    [Fact]
    public void Defaults_AreValid()
    {
        var result = Validator.Validate(null, new ToolRegistryOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:00:00.1")]
    [InlineData("01:00:00")]
    public void RevisionCheckInterval_OffOrWithinRange_IsValid(string interval)
    {
        var result = Validator.Validate(null, new ToolRegistryOptions { RevisionCheckInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("00:00:00.05")]
    [InlineData("01:00:01")]
    public void RevisionCheckInterval_OutOfRange_IsRefusedNamingTheKey(string interval)
    {
        var result = Validator.Validate(null, new ToolRegistryOptions { RevisionCheckInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:RevisionCheckInterval", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4095)]
    [InlineData(983041)]
    public void CatalogCacheChunkBytes_OutOfRange_IsRefusedNamingTheKey(int bytes)
    {
        var result = new ToolRegistryOptionsAnnotationsValidator().Validate(null, new ToolRegistryOptions { CatalogCacheChunkBytes = bytes });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:CatalogCacheChunkBytes", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(262144)]
    [InlineData(983040)]
    public void CatalogCacheChunkBytes_WithinRange_IsValid(int bytes)
    {
        var result = new ToolRegistryOptionsAnnotationsValidator().Validate(null, new ToolRegistryOptions { CatalogCacheChunkBytes = bytes });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void UrlSource_WithRefreshIntervalOfAMinute_IsValid()
    {
        var options = new ToolRegistryOptions();
        options.Sources.Add(new OpenApiSourceOptions { Name = "orders", Url = "https://api.example.com/openapi.json", RefreshInterval = TimeSpan.FromMinutes(1) });

        var result = Validator.Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("https://api.example.com/openapi.json", "specs/orders.yaml", "00:05:00", "Sources:0:Url is set together with Path")]
    [InlineData("ftp://api.example.com/openapi.json", null, null, "Sources:0:Url is not an absolute http(s) URL")]
    [InlineData("https://api.example.com/openapi.json", null, "00:00:59", "Sources:0:RefreshInterval must be at least 00:01:00")]
    [InlineData(null, "specs/orders.yaml", "00:05:00", "Sources:0:RefreshInterval is set but Sources:0:Url is not")]
    public void UrlSource_Misconfigured_IsRefusedNamingTheKey(string? url, string? path, string? refresh, string expected)
    {
        var options = new ToolRegistryOptions();
        options.Sources.Add(new OpenApiSourceOptions
        {
            Name = "orders",
            Url = url,
            Path = path,
            RefreshInterval = refresh is null ? null : TimeSpan.Parse(refresh, System.Globalization.CultureInfo.InvariantCulture),
        });

        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:" + expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxToolSchemaBytesBelow1024_IsRefusedNamingTheKey()
    {
        var result = Validator.Validate(null, new ToolRegistryOptions { MaxToolSchemaBytes = 1023 });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:MaxToolSchemaBytes must be at least 1024", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgreSqlWithoutConnectionString_IsRefusedNamingTheKey()
    {
        var result = Validator.Validate(null, new ToolRegistryOptions { Store = ToolStoreKind.PostgreSql });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:ConnectionString is empty", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void BadSchemaAndEmptyAdminRoleAndBadFetchTimeout_AreAllReported()
    {
        var result = Validator.Validate(null, new ToolRegistryOptions
        {
            Store = ToolStoreKind.PostgreSql,
            ConnectionString = "Host=127.0.0.1;Database=x;Username=y",
            Schema = "Bad-Schema",
            AdminRole = " ",
            FetchTimeout = TimeSpan.Zero,
        });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:Schema 'Bad-Schema'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Registry:AdminRole is empty", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Registry:FetchTimeout must be positive", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateSourceNamesAndHostsWithSchemes_AreRefused()
    {
        var options = new ToolRegistryOptions();
        options.Sources.Add(new OpenApiSourceOptions { Name = "dealers", Path = "a.json" });
        options.Sources.Add(new OpenApiSourceOptions { Name = "dealers", Path = "b.json" });
        options.AllowedImportHosts.Add("https://api.example.com");

        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:Sources:1:Name 'dealers' is used twice", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("AllowedImportHosts has 'https://api.example.com'", result.FailureMessage, StringComparison.Ordinal);
    }
}
