using System.Security.Claims;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Msil.Mcp.Auth;
using Msil.Mcp.Auth.Validation;

namespace Msil.Mcp.Benchmarks.Auth;

/// <summary>
/// Issue 4: bearer validation with the issuer's keys already cached (target under 50 µs a token), and the
/// validated-token cache hit that skips the signature check for a repeated token.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class TokenValidationBenchmarks
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private RSA _rsa = null!;
    private TokenValidationParameters _parameters = null!;
    private string _token = string.Empty;
    private ValidatedTokenCache _cache = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(_rsa) { KeyId = "k1" };
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        _token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://idp.example",
            Audience = "api://msil-mcp-server",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "user-1", ["oid"] = "o-1", ["preferred_username"] = "a@example.test",
                ["roles"] = new[] { "operator" }, ["groups"] = new[] { "g1", "g2" },
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = "https://idp.example",
            ValidAudience = "api://msil-mcp-server",
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            IssuerSigningKey = new RsaSecurityKey(_rsa.ExportParameters(false)) { KeyId = "k1" },
        };
        _cache = new ValidatedTokenCache(new Monitor(new MsilAuthOptions()), TimeProvider.System);
        _cache.Add(_token, new ClaimsIdentity([new Claim("sub", "user-1")], "bench"), TimeProvider.System.GetUtcNow().AddHours(1));
    }

    [Benchmark(Baseline = true)]
    public async Task<bool> ValidateWithCachedKeys() => (await _handler.ValidateTokenAsync(_token, _parameters)).IsValid;

    [Benchmark]
    public bool ValidatedTokenCacheHit() => _cache.TryGet(_token, out _);

    [GlobalCleanup]
    public void Cleanup() => _rsa.Dispose();

    private sealed class Monitor(MsilAuthOptions value) : IOptionsMonitor<MsilAuthOptions>
    {
        public MsilAuthOptions CurrentValue => value;

        public MsilAuthOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<MsilAuthOptions, string?> listener) => null;
    }
}
