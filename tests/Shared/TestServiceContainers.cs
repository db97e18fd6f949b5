using Testcontainers.LocalStack;
using Testcontainers.PostgreSql;
using Testcontainers.Redis;

namespace Msil.Mcp.TestSupport;

/// <summary>
/// Where the integration tests get their real servers. A variable that is set (build/test.sh exports them for the
/// loopback services of build/services/start.sh) is used as it is. When it is not set and a Docker engine answers
/// (Docker Desktop, rootless Docker or Podman with its Docker socket; <c>DOCKER_HOST</c> is honoured), the service's
/// container is started once per test process with Testcontainers and every variable of that service is set for the
/// process: PostgreSQL (<c>postgres:17-alpine</c>), Redis (<c>redis:7-alpine</c>) and S3 (LocalStack, buckets with
/// Object Lock). Testcontainers' reaper removes the containers when the process ends. With neither, the test fails
/// (never skips) with a message saying how to provide one. The TLS Redis and the OIDC server have no container here:
/// their tests need build/services/start.sh. Linked into each test project that needs a service (docs/development.md).
/// </summary>
internal static class TestServiceContainers
{
    private static readonly Dictionary<string, string> ServiceOf = new(StringComparer.Ordinal)
    {
        ["TEST_POSTGRES_CONNECTION_STRING"] = "postgresql",
        ["PG_URL"] = "postgresql",
        ["REDIS_CONNECTION_STRING"] = "redis",
        ["S3_SERVICE_URL"] = "s3",
        ["S3_ACCESS_KEY"] = "s3",
        ["S3_SECRET_KEY"] = "s3",
        ["S3_REGION"] = "s3",
        ["S3_BUCKET"] = "s3",
        ["S3_TEST_BUCKET"] = "s3",
    };

    private static readonly Dictionary<string, Lazy<Exception?>> Started = new(StringComparer.Ordinal)
    {
        ["postgresql"] = new(() => Start("PostgreSQL", StartPostgreSqlAsync)),
        ["redis"] = new(() => Start("Redis", StartRedisAsync)),
        ["s3"] = new(() => Start("S3 (LocalStack)", StartS3Async)),
    };

    /// <summary>Returns the value of <paramref name="variable"/>, starting its service's container first when it is not set.</summary>
    /// <param name="variable">The environment variable, e.g. <c>TEST_POSTGRES_CONNECTION_STRING</c>.</param>
    /// <param name="what">What the test needs it for, for the message.</param>
    /// <exception cref="InvalidOperationException">Neither is the variable set nor could a container be started.</exception>
    public static string Require(string variable, string? what = null)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            return value;
        }

        Exception? failure = null;
        if (ServiceOf.TryGetValue(variable, out var service))
        {
            failure = Started[service].Value;
            if (failure is null && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } started)
            {
                return started;
            }
        }

        var need = what is null ? string.Empty : $" (this test needs {what})";
        var docker = service is null
            ? "No container is defined for it: run build/test.sh, or start the services with `eval \"$(bash build/services/start.sh)\"` and run dotnet test in the same shell."
            : "Either run build/test.sh (or `eval \"$(bash build/services/start.sh)\"` and dotnet test in the same shell), or start a Docker engine "
              + "(rootless Docker or Podman works; set DOCKER_HOST to its socket) so the test starts a container itself"
              + (failure is null ? "." : $"; starting one failed: {failure.GetType().Name}: {failure.Message}");
        throw new InvalidOperationException($"{variable} is not set{need}. {docker}", failure);
    }

    private static Exception? Start(string name, Func<Task> start)
    {
        try
        {
            start().GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex)
        {
            return new InvalidOperationException($"{name} container: {ex.Message}", ex);
        }
    }

    private static async Task StartPostgreSqlAsync()
    {
        var container = new PostgreSqlBuilder("postgres:17-alpine").WithDatabase("msil_mcp").Build();
        await container.StartAsync().ConfigureAwait(false);
        Environment.SetEnvironmentVariable("TEST_POSTGRES_CONNECTION_STRING", container.GetConnectionString());
        Environment.SetEnvironmentVariable("PG_URL", $"postgresql://postgres:postgres@{container.Hostname}:{container.GetMappedPublicPort(5432)}/msil_mcp");
    }

    private static async Task StartRedisAsync()
    {
        var container = new RedisBuilder("redis:7-alpine").Build();
        await container.StartAsync().ConfigureAwait(false);
        Environment.SetEnvironmentVariable("REDIS_CONNECTION_STRING", container.GetConnectionString());
    }

    private static async Task StartS3Async()
    {
        var container = new LocalStackBuilder("localstack/localstack:3.8").Build();
        await container.StartAsync().ConfigureAwait(false);
        foreach (var bucket in new[] { "msil-audit", "test-bucket" })
        {
            var result = await container.ExecAsync(["awslocal", "s3api", "create-bucket", "--bucket", bucket, "--object-lock-enabled-for-bucket"]).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"creating bucket {bucket} failed: {result.Stderr}");
            }
        }

        Environment.SetEnvironmentVariable("S3_SERVICE_URL", container.GetConnectionString());
        Environment.SetEnvironmentVariable("S3_ACCESS_KEY", "test");
        Environment.SetEnvironmentVariable("S3_SECRET_KEY", "test");
        Environment.SetEnvironmentVariable("S3_REGION", "us-east-1");
        Environment.SetEnvironmentVariable("S3_BUCKET", "msil-audit");
        Environment.SetEnvironmentVariable("S3_TEST_BUCKET", "test-bucket");
    }
}
