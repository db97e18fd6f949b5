using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Msil.Mcp.Validation;

/// <summary>A <c>patternProperties</c> entry.</summary>
internal sealed record PatternPropertyRule(Regex Regex, SchemaNode Schema, string TimeoutMessage);

/// <summary>A <c>dependentRequired</c> entry: when <see cref="Property"/> is present, so must <see cref="Required"/> be.</summary>
internal sealed record DependentRequiredRule(string Property, string[] Required, string Message);

/// <summary>A <c>dependentSchemas</c> entry: when <see cref="Property"/> is present, the object must match <see cref="Schema"/>.</summary>
internal sealed record DependentSchemaRule(string Property, SchemaNode Schema);

/// <summary>
/// The keywords for objects. One pass over the instance's properties matches each name against the known names,
/// marks required ones in a bitset, and applies <c>properties</c>, <c>patternProperties</c> and
/// <c>additionalProperties</c>.
/// </summary>
internal sealed class ObjectRules
{
    private const string UnknownPropertyMessage = "is not allowed (unknown property)";
    private const string RequiredMessage = "is required";

    private readonly bool _walk;
    private readonly int _words;

    internal ObjectRules(
        PropertyNameTable names,
        SchemaNode?[] propertySchemas,
        int[] required,
        PatternPropertyRule[] patterns,
        SchemaNode? additional,
        bool additionalForbidden)
    {
        Names = names;
        PropertySchemas = propertySchemas;
        Required = required;
        Patterns = patterns;
        Additional = additional;
        AdditionalForbidden = additionalForbidden;
        _walk = names.Count > 0 || patterns.Length > 0 || additional is not null || additionalForbidden;
        _words = Math.Max(1, (names.Count + 63) / 64);
    }

    /// <summary>Gets the names from <c>properties</c>, <c>required</c> and <c>dependentRequired</c>.</summary>
    internal PropertyNameTable Names { get; }

    /// <summary>Gets the <c>properties</c> schema per name index; <see langword="null"/> when only required.</summary>
    internal SchemaNode?[] PropertySchemas { get; }

    internal int[] Required { get; }

    internal PatternPropertyRule[] Patterns { get; }

    /// <summary>Gets the <c>additionalProperties</c> schema, unless it is <c>false</c> (see <see cref="AdditionalForbidden"/>).</summary>
    internal SchemaNode? Additional { get; }

    internal bool AdditionalForbidden { get; }

    internal int MinProperties { get; set; } = -1;

    internal int MaxProperties { get; set; } = -1;

    internal string? MinPropertiesMessage { get; set; }

    internal string? MaxPropertiesMessage { get; set; }

    internal DependentRequiredRule[]? DependentRequired { get; set; }

    internal DependentSchemaRule[]? DependentSchemas { get; set; }

    /// <summary>Gets or sets the <c>propertyNames</c> schema, which every property name (as a string) must match.</summary>
    internal SchemaNode? PropertyNames { get; set; }

    internal bool Evaluate(JsonElement instance, ValidationContext context)
    {
        bool valid = true;
        int count = -1;
        if (_walk)
        {
            if (!context.CanDescend)
            {
                // The schema looks inside this object, and it is already as deep as an instance may nest.
                return context.Fail(ValidationContext.TooDeepMessage);
            }

            Span<ulong> seen = stackalloc ulong[_words];
            if (!Walk(instance, context, seen, out count))
            {
                valid = false;
                if (context.StopOnFailure)
                {
                    return false;
                }
            }

            foreach (int index in Required)
            {
                if ((seen[index >> 6] & (1UL << (index & 63))) == 0)
                {
                    valid = context.FailChild(Names[index], RequiredMessage);
                    if (context.StopOnFailure)
                    {
                        return false;
                    }
                }
            }
        }

        if (MinProperties >= 0 || MaxProperties >= 0)
        {
            if (count < 0)
            {
                count = instance.GetPropertyCount();
            }

            if (count < MinProperties)
            {
                valid = context.Fail(MinPropertiesMessage!);
            }

            if (MaxProperties >= 0 && count > MaxProperties)
            {
                valid = context.Fail(MaxPropertiesMessage!);
            }
        }

        if (!valid && context.StopOnFailure)
        {
            return false;
        }

        if (PropertyNames is not null && !EvaluatePropertyNames(instance, context))
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (DependentRequired is null && DependentSchemas is null)
        {
            return valid;
        }

        return EvaluateDependencies(instance, context) && valid;
    }

    /// <summary>
    /// Checks each property name against <c>propertyNames</c>. A violation is reported at the property, with the
    /// name's problem as the message; the name itself shows only in the (shortened) path.
    /// </summary>
    private bool EvaluatePropertyNames(JsonElement instance, ValidationContext context)
    {
        bool valid = true;
        foreach (JsonProperty property in instance.EnumerateObject())
        {
            if (PropertyNames!.AlwaysInvalid)
            {
                valid = context.FailChild(property, "is not allowed (no property names are allowed here)");
            }
            else
            {
                // The name as a JSON string: raw property names are valid JSON string contents, escapes included.
                ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
                byte[] json = new byte[raw.Length + 2];
                json[0] = (byte)'"';
                raw.CopyTo(json.AsSpan(1));
                json[^1] = (byte)'"';
                using JsonDocument name = JsonDocument.Parse(json);
                if (SchemaNode.Matches(PropertyNames, name.RootElement, context))
                {
                    continue;
                }

                valid = false;
                if (context.Collecting)
                {
                    context.PushProperty(property);
                    string reason = context.FirstViolation(PropertyNames, name.RootElement) ?? "is not allowed";
                    context.Pop();
                    context.FailChild(property, "has a name that is not allowed: the name " + reason);
                }
            }

            if (!valid && context.StopOnFailure)
            {
                return false;
            }
        }

        return valid;
    }

    private bool Walk(JsonElement instance, ValidationContext context, Span<ulong> seen, out int count)
    {
        bool valid = true;
        count = 0;
        int hint = 0;
        foreach (JsonProperty property in instance.EnumerateObject())
        {
            count++;
            bool matched = false;
            int index = Names.IndexOf(property, hint);
            if (index >= 0)
            {
                hint = index + 1;
                seen[index >> 6] |= 1UL << (index & 63);
                SchemaNode? schema = PropertySchemas[index];
                if (schema is not null)
                {
                    matched = true;
                    if (!schema.AlwaysValid)
                    {
                        context.PushName(Names[index]);
                        bool ok = schema.Evaluate(property.Value, context);
                        context.Pop();
                        if (!ok)
                        {
                            valid = false;
                            if (context.StopOnFailure)
                            {
                                return false;
                            }
                        }
                    }
                }
            }

            if (Patterns.Length > 0 && EvaluatePatterns(property, context, ref valid))
            {
                if (!valid && context.StopOnFailure)
                {
                    return false;
                }

                matched = true;
            }

            if (matched)
            {
                continue;
            }

            if (AdditionalForbidden)
            {
                valid = context.FailChild(property, UnknownPropertyMessage);
                if (context.StopOnFailure)
                {
                    return false;
                }
            }
            else if (Additional is not null && !Additional.AlwaysValid)
            {
                context.PushProperty(property);
                bool ok = Additional.Evaluate(property.Value, context);
                context.Pop();
                if (!ok)
                {
                    valid = false;
                    if (context.StopOnFailure)
                    {
                        return false;
                    }
                }
            }
        }

        return valid;
    }

    /// <summary>Applies every matching <c>patternProperties</c> schema; returns whether any pattern matched the name.</summary>
    private bool EvaluatePatterns(JsonProperty property, ValidationContext context, ref bool valid)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Contains((byte)'\\') || raw.Length > JsonText.StackBufferChars)
        {
            return EvaluatePatterns(property.Name, property, context, ref valid);
        }

        Span<char> buffer = stackalloc char[JsonText.StackBufferChars];
        int length = Encoding.UTF8.GetChars(raw, buffer);
        return EvaluatePatterns(buffer[..length], property, context, ref valid);
    }

    private bool EvaluatePatterns(ReadOnlySpan<char> name, JsonProperty property, ValidationContext context, ref bool valid)
    {
        bool matched = false;
        foreach (PatternPropertyRule rule in Patterns)
        {
            bool isMatch;
            try
            {
                isMatch = rule.Regex.IsMatch(name);
            }
            catch (RegexMatchTimeoutException)
            {
                matched = true;
                valid = context.FailChild(property, rule.TimeoutMessage);
                if (context.StopOnFailure)
                {
                    return true;
                }

                continue;
            }

            if (!isMatch)
            {
                continue;
            }

            matched = true;
            if (rule.Schema.AlwaysValid)
            {
                continue;
            }

            context.PushProperty(property);
            bool ok = rule.Schema.Evaluate(property.Value, context);
            context.Pop();
            if (!ok)
            {
                valid = false;
                if (context.StopOnFailure)
                {
                    return true;
                }
            }
        }

        return matched;
    }

    private bool EvaluateDependencies(JsonElement instance, ValidationContext context)
    {
        bool valid = true;
        if (DependentRequired is not null)
        {
            foreach (DependentRequiredRule rule in DependentRequired)
            {
                if (!instance.TryGetProperty(rule.Property, out _))
                {
                    continue;
                }

                foreach (string name in rule.Required)
                {
                    if (!instance.TryGetProperty(name, out _))
                    {
                        valid = context.FailChild(name, rule.Message);
                        if (context.StopOnFailure)
                        {
                            return false;
                        }
                    }
                }
            }
        }

        if (DependentSchemas is not null)
        {
            foreach (DependentSchemaRule rule in DependentSchemas)
            {
                if (instance.TryGetProperty(rule.Property, out _) && !rule.Schema.Evaluate(instance, context))
                {
                    valid = false;
                    if (context.StopOnFailure)
                    {
                        return false;
                    }
                }
            }
        }

        return valid;
    }
}
