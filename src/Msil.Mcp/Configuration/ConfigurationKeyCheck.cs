using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Msil.Mcp.Configuration;

/// <summary>
/// Finds keys under the server's section (<c>Msil:Mcp</c>) that no registered package reads: each leaf key is walked
/// through the properties of the options type bound from the nearest known section. A typo in a section name
/// (<c>Regsitry</c>) would otherwise start a server with no tools and no word said.
/// </summary>
internal static class ConfigurationKeyCheck
{
    private const string NestedTypes = "Nested options types are kept by the source-generated binder, which sets each property that binds (see Walk).";

    /// <summary>Returns one problem line per unknown key (the key up to its first unknown segment), in key order.</summary>
    public static IReadOnlyList<string> FindUnknownKeys(IConfiguration configuration, IReadOnlyCollection<KnownConfigurationSection> known)
    {
        var root = known.FirstOrDefault(k => k.OptionsType == typeof(MsilMcpOptions));
        if (root is null)
        {
            return [];
        }

        var unknown = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration.GetSection(root.Path).AsEnumerable())
        {
            if (value is null || !IsUnder(key, root.Path))
            {
                continue; // a section node, not a leaf
            }

            // Several types may be bound from one section (a console's own options and its shell's): a key is known
            // when any of them has it.
            var sections = known.Where(k => IsUnder(key, k.Path)).GroupBy(k => k.Path.Length).MaxBy(g => g.Key)!.ToList();
            var section = sections[0];
            var segments = key[section.Path.Length..].Split(':', StringSplitOptions.RemoveEmptyEntries);
            var (failedAt, candidates, _) = Walk(section.OptionsType, segments);
            if (failedAt < 0 || sections.Skip(1).Any(k => Walk(k.OptionsType, segments).FailedAt < 0))
            {
                continue;
            }

            var parent = section.Path + string.Concat(segments.Take(failedAt).Select(s => ":" + s));
            var bad = parent + ":" + segments[failedAt];
            candidates.AddRange(known.Where(k => ParentOf(k.Path).Equals(parent, StringComparison.OrdinalIgnoreCase)).Select(k => k.Path[(parent.Length + 1)..]));
            if (!unknown.ContainsKey(bad))
            {
                unknown[bad] = Describe(bad, segments[failedAt], candidates);
            }
        }

        return [.. unknown.Values];
    }

    /// <summary>The type of the setting at <paramref name="key"/>, if a known section leads to it.</summary>
    public static Type? ResolveType(string key, IReadOnlyCollection<KnownConfigurationSection> known)
    {
        var section = known.Where(k => IsUnder(key, k.Path)).MaxBy(k => k.Path.Length);
        if (section is null)
        {
            return null;
        }

        var segments = key[section.Path.Length..].Split(':', StringSplitOptions.RemoveEmptyEntries);
        var (failedAt, _, type) = Walk(section.OptionsType, segments);
        return failedAt < 0 ? type : null;
    }

    private static string Describe(string key, string segment, List<string> candidates)
    {
        var suggestion = candidates
            .Select(c => (Name: c, Distance: Distance(segment.ToUpperInvariant(), c.ToUpperInvariant())))
            .Where(c => c.Distance <= Math.Max(2, segment.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();
        var fix = suggestion is null
            ? "check the spelling against docs/configuration.md, add the package that reads it, or remove it"
            : $"did you mean '{ParentOf(key)}:{suggestion}'? Correct the spelling or remove it";
        return $"{key}: no registered package reads this setting, so it has no effect; {fix}.";
    }

    /// <summary>Walks the segments through the type's properties; returns the index of the first unknown segment (or -1) and the names valid there.</summary>
    /// <remarks>
    /// The options type's own properties are kept by the annotation on <paramref name="type"/>. The types below it (a nested
    /// options class, a dictionary's value type) are reached through <see cref="PropertyInfo.PropertyType"/>, which the
    /// trimmer cannot follow; their properties are kept because the source-generated binder sets each one that binds (a
    /// property whose accessor is kept is kept). A property the binder does not set is not a key that binds either.
    /// </remarks>
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = NestedTypes)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = NestedTypes)]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = NestedTypes)]
    private static (int FailedAt, List<string> Candidates, Type? Type) Walk(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type,
        string[] segments)
    {
        var current = type;
        for (var i = 0; i < segments.Length; i++)
        {
            current = Nullable.GetUnderlyingType(current) ?? current;
            if (current == typeof(object) || typeof(IConfiguration).IsAssignableFrom(current))
            {
                return (-1, [], null);
            }

            if (IsScalar(current))
            {
                return (i, [], null);
            }

            if (ElementType(current) is { } element)
            {
                current = element; // a dictionary key or a list index: any segment
                continue;
            }

            var properties = current.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0)
                .ToList();
            var property = properties.FirstOrDefault(p => string.Equals(KeyName(p), segments[i], StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return (i, [.. properties.Select(KeyName)], null);
            }

            current = property.PropertyType;
        }

        return (-1, [], Nullable.GetUnderlyingType(current) ?? current);
    }

    private static string KeyName(PropertyInfo property)
        => property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    private static bool IsScalar(Type type)
        => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid) || type == typeof(Uri)
            || type == typeof(DateOnly) || type == typeof(TimeOnly) || type == typeof(Version) || typeof(Delegate).IsAssignableFrom(type);

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Interfaces of an options property's type, which the bound property keeps (see Walk).")]
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (!candidate.IsGenericType)
            {
                continue;
            }

            var definition = candidate.GetGenericTypeDefinition();
            if (definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            {
                return candidate.GetGenericArguments()[1];
            }
        }

        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private static bool IsUnder(string key, string path)
        => key.Length > path.Length && key.StartsWith(path, StringComparison.OrdinalIgnoreCase) && key[path.Length] == ':';

    private static string ParentOf(string path) => path.LastIndexOf(':') is var i and >= 0 ? path[..i] : string.Empty;

    /// <summary>The Levenshtein distance, for "did you mean".</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

/// <summary>Fails start in Production when <see cref="ConfigurationKeyCheck"/> finds unknown keys (elsewhere they are logged as warnings).</summary>
internal sealed class ConfigurationKeyValidator(IServiceProvider services, IEnumerable<KnownConfigurationSection> known)
    : Microsoft.Extensions.Options.IValidateOptions<MsilMcpOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, MsilMcpOptions options)
    {
        var environment = (Microsoft.Extensions.Hosting.IHostEnvironment?)services.GetService(typeof(Microsoft.Extensions.Hosting.IHostEnvironment));
        var configuration = (IConfiguration?)services.GetService(typeof(IConfiguration));
        if (environment is null || configuration is null || !Microsoft.Extensions.Hosting.HostEnvironmentEnvExtensions.IsProduction(environment))
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Success;
        }

        var unknown = ConfigurationKeyCheck.FindUnknownKeys(configuration, [.. known]);
        return unknown.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(unknown);
    }
}
