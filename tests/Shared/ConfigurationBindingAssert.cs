using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
#pragma warning disable IDE0005 // implied by the Web SDK's implicit usings in most test projects, needed in the others
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0005
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Conformance;

/// <summary>
/// Checks that a package's <c>Add…(IConfiguration)</c> overload binds every documented key (docs/configuration.md): the
/// options are built by the configure actions the overload registered (the source-generated binder, since
/// <c>EnableConfigurationBindingGenerator</c> is on; validators are not run), then each configured key is followed through
/// the options' properties, list indexes and dictionary keys, and the value found must equal the configured one.
/// Linked into the test projects from <c>tests/Shared</c>.
/// </summary>
public static class ConfigurationBindingAssert
{
    /// <summary>Registers through <paramref name="register"/> with <paramref name="values"/> as the configuration and returns the services.</summary>
    /// <param name="values">Flat keys (<c>Msil:Mcp:…</c>) and values.</param>
    /// <param name="register">Calls the overload under test with the root configuration.</param>
    /// <returns>The built services; the caller disposes them.</returns>
    public static ServiceProvider Register(IReadOnlyDictionary<string, string?> values, Action<IServiceCollection, IConfiguration> register)
    {
        ArgumentNullException.ThrowIfNull(register);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        register(services, configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>Builds <typeparamref name="TOptions"/> (the default name) by running its registered configure actions only.</summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="services">The services.</param>
    /// <returns>The configured options.</returns>
    public static TOptions Configured<TOptions>(IServiceProvider services)
        where TOptions : class
    {
        var options = Activator.CreateInstance<TOptions>();
        foreach (var configure in services.GetServices<IConfigureOptions<TOptions>>())
        {
            if (configure is IConfigureNamedOptions<TOptions> named)
            {
                named.Configure(Options.DefaultName, options);
            }
            else
            {
                configure.Configure(options);
            }
        }

        return options;
    }

    /// <summary>Asserts that every key of <paramref name="values"/> under <paramref name="sectionPath"/> has its value in <paramref name="options"/>.</summary>
    /// <param name="options">The bound options.</param>
    /// <param name="sectionPath">The section the options are bound from, for example <c>Msil:Mcp:Registry</c>.</param>
    /// <param name="values">The configuration; keys of other sections are ignored.</param>
    /// <param name="skip">Key prefixes (relative to the section) bound to another options type.</param>
    /// <returns>How many keys were checked.</returns>
    public static int Landed(object options, string sectionPath, IReadOnlyDictionary<string, string?> values, params string[] skip)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(values);
        var checkedKeys = 0;
        foreach (var (key, value) in values)
        {
            if (value is null || !key.StartsWith(sectionPath + ":", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var relative = key[(sectionPath.Length + 1)..];
            if (skip.Any(s => relative.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var segments = relative.Split(':');
            object? current = options;
            for (var i = 0; i < segments.Length; i++)
            {
                Assert.True(current is not null, $"{key}: '{string.Join(':', segments.Take(i))}' is null after binding.");
                var last = i == segments.Length - 1;
                var segment = segments[i];
                if (current is IDictionary dictionary)
                {
                    current = dictionary.Keys.Cast<object>().FirstOrDefault(k => string.Equals(k.ToString(), segment, StringComparison.OrdinalIgnoreCase)) is { } found
                        ? dictionary[found]
                        : throw Xunit.Sdk.FailException.ForFailure($"{key}: the dictionary has no entry '{segment}' after binding.");
                }
                else if (current is not string && current is IEnumerable list && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    var items = list.Cast<object?>().ToList();
                    if (last)
                    {
                        // The binder appends configured items to a list's defaults, so only membership is certain.
                        Assert.True(items.Any(item => Matches(item, value)), $"{key}: '{value}' is not in the bound list ({string.Join(", ", items)}).");
                        current = null;
                        break;
                    }

                    Assert.True(index < items.Count, $"{key}: the bound list has {items.Count} item(s).");
                    current = items[index];
                }
                else
                {
                    var property = current.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                        .FirstOrDefault(p => string.Equals(p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, segment, StringComparison.OrdinalIgnoreCase));
                    Assert.True(property is not null, $"{key}: {current.GetType().Name} has no property '{segment}'.");
                    current = property.GetValue(current);
                }

                if (last)
                {
                    Assert.True(Matches(current, value), $"{key}: bound '{current}', configured '{value}'.");
                }
            }

            checkedKeys++;
        }

        return checkedKeys;
    }

    /// <summary>
    /// Asserts that no public static method of <paramref name="extensions"/> taking an <see cref="IConfiguration"/> (or a host
    /// builder) carries <c>RequiresUnreferencedCode</c> or <c>RequiresDynamicCode</c>: they bind through the source generator,
    /// so a trimmed or native AOT host calls them without IL2026/IL3050.
    /// </summary>
    /// <param name="extensions">The package's builder extensions class.</param>
    /// <returns>How many overloads were checked.</returns>
    public static int TrimSafe(Type extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        var overloads = extensions.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.GetParameters().Any(p => typeof(IConfiguration).IsAssignableFrom(p.ParameterType)
                || p.ParameterType.FullName == "Microsoft.Extensions.Hosting.IHostApplicationBuilder"))
            .ToList();
        Assert.NotEmpty(overloads);
        foreach (var method in overloads)
        {
            Assert.False(method.IsDefined(typeof(System.Diagnostics.CodeAnalysis.RequiresUnreferencedCodeAttribute)), $"{extensions.Name}.{method}: RequiresUnreferencedCode");
            Assert.False(method.IsDefined(typeof(System.Diagnostics.CodeAnalysis.RequiresDynamicCodeAttribute)), $"{extensions.Name}.{method}: RequiresDynamicCode");
        }

        return overloads.Count;
    }

    private static bool Matches(object? actual, string expected)
    {
        if (actual is null)
        {
            return false;
        }

        var type = actual.GetType();
        var converted = type.IsEnum
            ? Enum.Parse(type, expected, ignoreCase: true)
            : TypeDescriptor.GetConverter(type).ConvertFromInvariantString(expected);
        return Equals(converted, actual);
    }
}
