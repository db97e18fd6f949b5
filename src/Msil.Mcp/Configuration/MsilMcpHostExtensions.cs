using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>Runs a governed MCP host so that a configuration mistake ends it with one line per problem, not a stack trace.</summary>
public static partial class MsilMcpHostExtensions
{
    /// <summary>The process exit code <c>RunMsilMcpAsync</c> returns when the configuration is not valid.</summary>
    public const int ConfigurationErrorExitCode = 1;

    /// <summary>
    /// Starts the host and waits for it to stop. When it cannot start because the configuration is wrong (an
    /// <see cref="MsilMcpConfigurationException"/>, an <see cref="OptionsValidationException"/> or a value the binder cannot
    /// convert), writes one line per problem, <c>KEY: what is wrong; how to fix</c>, to <paramref name="errors"/> and returns
    /// <see cref="ConfigurationErrorExitCode"/>. Any other failure is thrown as before.
    /// </summary>
    /// <param name="host">The built host (for example a <c>WebApplication</c>).</param>
    /// <param name="errors">Where the problems are written; standard error when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the host.</param>
    /// <returns>0 after a normal stop; <see cref="ConfigurationErrorExitCode"/> when the configuration is not valid.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="host"/> is <see langword="null"/>.</exception>
    public static async Task<int> RunMsilMcpAsync(this IHost host, TextWriter? errors = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        try
        {
            try
            {
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Describe(ex, host.Services) is { Count: > 0 } problems)
            {
                await WriteAsync(errors, problems, cancellationToken).ConfigureAwait(false);
                return ConfigurationErrorExitCode;
            }

            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                host.Dispose();
            }
        }
    }

    /// <summary>
    /// Builds the host with <paramref name="createHost"/> and runs it as <see cref="RunMsilMcpAsync(IHost, TextWriter?, CancellationToken)"/>
    /// does; a configuration mistake found while building (mapping the endpoints resolves options) is reported the same
    /// way, one line per problem.
    /// </summary>
    /// <param name="createHost">Builds the host, for example <c>() =&gt; ServerApp.Create(args)</c>.</param>
    /// <param name="errors">Where the problems are written; standard error when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the host.</param>
    /// <returns>0 after a normal stop; <see cref="ConfigurationErrorExitCode"/> when the configuration is not valid.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="createHost"/> is <see langword="null"/>.</exception>
    public static async Task<int> RunMsilMcpAsync(Func<IHost> createHost, TextWriter? errors = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createHost);
        IHost host;
        try
        {
            host = createHost();
        }
        catch (Exception ex) when (Describe(ex, null) is { Count: > 0 } problems)
        {
            await WriteAsync(errors, problems, cancellationToken).ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }

        return await host.RunMsilMcpAsync(errors, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteAsync(TextWriter? errors, IReadOnlyList<string> problems, CancellationToken cancellationToken)
    {
        errors ??= Console.Error;
        foreach (var problem in problems)
        {
            await errors.WriteLineAsync(problem).ConfigureAwait(false);
        }

        await errors.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The configuration problems an exception stands for, one line each; empty when it is not a configuration error.</summary>
    internal static IReadOnlyList<string> Describe(Exception exception, IServiceProvider? services)
    {
        var problems = new List<string>();
        Collect(exception, services, problems);
        return problems;
    }

    private static void Collect(Exception exception, IServiceProvider? services, List<string> problems)
    {
        switch (exception)
        {
            case AggregateException aggregate:
                foreach (var inner in aggregate.InnerExceptions)
                {
                    Collect(inner, services, problems);
                }

                break;
            case MsilMcpConfigurationException configuration:
                problems.AddRange(configuration.Problems.Select(OneLine));
                break;
            case OptionsValidationException validation:
                problems.AddRange(validation.Failures.Select(OneLine));
                break;
            case InvalidOperationException conversion when ConversionFailure().Match(conversion.Message) is { Success: true } match:
                problems.Add(DescribeConversion(match.Groups["key"].Value, match.Groups["value"].Success ? match.Groups["value"].Value : null, match.Groups["type"].Value, services));
                break;
        }
    }

    private static string DescribeConversion(string key, string? value, string typeName, IServiceProvider? services)
    {
        value ??= services?.GetService<IConfiguration>()?[key];
        var known = services?.GetService<IEnumerable<KnownConfigurationSection>>()?.ToList() ?? [];
        var type = ConfigurationKeyCheck.ResolveType(key, known) ?? FindType(typeName);
        var fix = type is { IsEnum: true }
            ? "use one of " + string.Join(", ", Enum.GetNames(type))
            : type is null ? "set a value of the setting's type (see docs/configuration.md)" : $"set a value of type {type.Name}";
        return value is null ? $"{key}: the value is not valid; {fix}." : $"{key}: '{value}' is not a valid value; {fix}.";
    }

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only to list an enum's names in the message; a trimmed type is not found and the message says less.")]
    private static Type? FindType(string name)
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            try
            {
                if (assembly.GetType(name, throwOnError: false) is { } type)
                {
                    return type;
                }
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or BadImageFormatException)
            {
            }
        }

        return null;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    [GeneratedRegex(@"^Failed to convert configuration value (?:'(?<value>.*)' )?at '(?<key>[^']*)' to type '(?<type>[^']*)'\.", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();
}
