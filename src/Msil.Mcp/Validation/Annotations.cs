using System.Text.Json;
using System.Text.RegularExpressions;

namespace Msil.Mcp.Validation;

/// <summary>
/// <c>unevaluatedProperties</c> and <c>unevaluatedItems</c>: which properties or items the other keywords of a schema
/// and its valid in-place subschemas (<c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>, <c>if</c>/<c>then</c>/<c>else</c>,
/// <c>dependentSchemas</c>, <c>$ref</c>, <c>$dynamicRef</c>) evaluated, and applying the keyword to the rest.
/// </summary>
/// <remarks>
/// The annotations are collected in a second pass, only for schemas that use these keywords, so no other schema pays
/// for them; the pass allocates a set of names (or a bitmap of items) per evaluation.
/// </remarks>
internal static class Annotations
{
    internal static bool EvaluateUnevaluatedProperties(SchemaNode node, JsonElement instance, ValidationContext context)
    {
        SchemaNode unevaluated = node.UnevaluatedProperties!;
        if (unevaluated.AlwaysValid)
        {
            return true;
        }

        var evaluated = new HashSet<string>(StringComparer.Ordinal);
        if (CollectProperties(node, instance, context, evaluated, verified: false, self: true))
        {
            return true;
        }

        if (!context.CanDescend)
        {
            return context.Fail(ValidationContext.TooDeepMessage);
        }

        bool valid = true;
        foreach (JsonProperty property in instance.EnumerateObject())
        {
            if (evaluated.Contains(property.Name))
            {
                continue;
            }

            bool ok;
            if (unevaluated.AlwaysInvalid)
            {
                ok = context.FailChild(property, "is not allowed (unknown property)");
            }
            else
            {
                context.PushProperty(property);
                ok = unevaluated.Evaluate(property.Value, context);
                context.Pop();
            }

            if (!ok)
            {
                valid = false;
                if (context.StopOnFailure)
                {
                    return false;
                }
            }
        }

        return valid;
    }

    internal static bool EvaluateUnevaluatedItems(SchemaNode node, JsonElement instance, ValidationContext context)
    {
        SchemaNode unevaluated = node.UnevaluatedItems!;
        int length = instance.GetArrayLength();
        if (unevaluated.AlwaysValid || length == 0)
        {
            return true;
        }

        var items = new ItemAnnotations(length);
        CollectItems(node, instance, context, ref items, verified: false, self: true);
        if (items.All || items.Prefix >= length)
        {
            return true;
        }

        if (!context.CanDescend)
        {
            return context.Fail(ValidationContext.TooDeepMessage);
        }

        bool valid = true;
        int index = 0;
        foreach (JsonElement item in instance.EnumerateArray())
        {
            if (index >= items.Prefix && !(items.Matched?[index] ?? false))
            {
                bool ok;
                if (unevaluated.AlwaysInvalid)
                {
                    ok = context.FailChild(index, "is not allowed (no schema covers this item)");
                }
                else
                {
                    context.PushIndex(index);
                    ok = unevaluated.Evaluate(item, context);
                    context.Pop();
                }

                if (!ok)
                {
                    valid = false;
                    if (context.StopOnFailure)
                    {
                        return false;
                    }
                }
            }

            index++;
        }

        return valid;
    }

    /// <summary>
    /// Adds the names of the properties <paramref name="node"/> evaluates; returns <see langword="true"/> when it
    /// evaluates all of them. <paramref name="verified"/> tells that the node is known to be valid for the instance
    /// (so are its <c>allOf</c>, <c>$ref</c> and similar subschemas); <paramref name="self"/> that it is the node
    /// whose own <c>unevaluatedProperties</c> is being applied.
    /// </summary>
    private static bool CollectProperties(
        SchemaNode node, JsonElement instance, ValidationContext context, HashSet<string> evaluated, bool verified, bool self)
    {
        if (node.AlwaysValid || node.AlwaysInvalid)
        {
            return false;
        }

        if (!self && node.UnevaluatedProperties is not null)
        {
            return true;
        }

        bool entered = node.Resource is not null && context.EnterResource(node.Resource);
        try
        {
            if (node.ObjectRules is { } rules)
            {
                if (rules.Additional is not null || rules.AdditionalForbidden)
                {
                    return true;
                }

                foreach (JsonProperty property in instance.EnumerateObject())
                {
                    int index = rules.Names.IndexOf(property, 0);
                    if ((index >= 0 && rules.PropertySchemas[index] is not null) || MatchesPattern(rules, property.Name))
                    {
                        evaluated.Add(property.Name);
                    }
                }
            }

            return CollectPropertiesFromApplicators(node, instance, context, evaluated, verified);
        }
        finally
        {
            if (entered)
            {
                context.ExitResource();
            }
        }
    }

    private static bool CollectPropertiesFromApplicators(
        SchemaNode node, JsonElement instance, ValidationContext context, HashSet<string> evaluated, bool verified)
    {
        bool Sub(SchemaNode? sub, bool known) =>
            sub is not null
            && (known || SchemaNode.Matches(sub, instance, context))
            && CollectProperties(sub, instance, context, evaluated, verified: true, self: false);

        if (Sub(node.Ref, verified))
        {
            return true;
        }

        if (node.DynamicRef is not null && Sub(node.ResolveDynamicRef(context), verified))
        {
            return true;
        }

        bool all = false;
        foreach (SchemaNode sub in node.AllOf ?? [])
        {
            all |= Sub(sub, verified);
        }

        foreach (SchemaNode sub in node.AnyOf ?? [])
        {
            all |= Sub(sub, known: false);
        }

        foreach (SchemaNode sub in node.OneOf ?? [])
        {
            all |= Sub(sub, known: false);
        }

        if (node.If is not null)
        {
            if (SchemaNode.Matches(node.If, instance, context))
            {
                all |= Sub(node.If, known: true);
                all |= Sub(node.Then, verified);
            }
            else
            {
                all |= Sub(node.Else, verified);
            }
        }

        foreach (DependentSchemaRule rule in node.ObjectRules?.DependentSchemas ?? [])
        {
            if (instance.TryGetProperty(rule.Property, out _))
            {
                all |= Sub(rule.Schema, verified);
            }
        }

        return all;
    }

    private static bool MatchesPattern(ObjectRules rules, string name)
    {
        foreach (PatternPropertyRule rule in rules.Patterns)
        {
            try
            {
                if (rule.Regex.IsMatch(name))
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // The property already failed against this pattern's schema; do not report it twice.
                return true;
            }
        }

        return false;
    }

    private static void CollectItems(
        SchemaNode node, JsonElement instance, ValidationContext context, ref ItemAnnotations items, bool verified, bool self)
    {
        if (node.AlwaysValid || node.AlwaysInvalid || items.All)
        {
            return;
        }

        if (!self && node.UnevaluatedItems is not null)
        {
            items.All = true;
            return;
        }

        bool entered = node.Resource is not null && context.EnterResource(node.Resource);
        if (node.ArrayRules is { } rules)
        {
            if (rules.Items is not null || rules.ItemsForbidden)
            {
                items.All = true;
            }
            else
            {
                items.Prefix = Math.Max(items.Prefix, Math.Min(rules.PrefixItems.Length, items.Length));
            }

            if (rules.Contains is { } contains && !items.All)
            {
                int index = 0;
                foreach (JsonElement item in instance.EnumerateArray())
                {
                    context.PushIndex(index);
                    if (SchemaNode.Matches(contains, item, context))
                    {
                        (items.Matched ??= new bool[items.Length])[index] = true;
                    }

                    context.Pop();
                    index++;
                }
            }
        }

        if (!items.All)
        {
            CollectItemsFromApplicators(node, instance, context, ref items, verified);
        }

        if (entered)
        {
            context.ExitResource();
        }
    }

    private static void CollectItemsFromApplicators(
        SchemaNode node, JsonElement instance, ValidationContext context, ref ItemAnnotations items, bool verified)
    {
        Sub(node.Ref, verified, instance, context, ref items);
        if (node.DynamicRef is not null)
        {
            Sub(node.ResolveDynamicRef(context), verified, instance, context, ref items);
        }

        foreach (SchemaNode sub in node.AllOf ?? [])
        {
            Sub(sub, verified, instance, context, ref items);
        }

        foreach (SchemaNode sub in node.AnyOf ?? [])
        {
            Sub(sub, known: false, instance, context, ref items);
        }

        foreach (SchemaNode sub in node.OneOf ?? [])
        {
            Sub(sub, known: false, instance, context, ref items);
        }

        if (node.If is not null)
        {
            if (SchemaNode.Matches(node.If, instance, context))
            {
                Sub(node.If, known: true, instance, context, ref items);
                Sub(node.Then, verified, instance, context, ref items);
            }
            else
            {
                Sub(node.Else, verified, instance, context, ref items);
            }
        }

        static void Sub(SchemaNode? sub, bool known, JsonElement instance, ValidationContext context, ref ItemAnnotations items)
        {
            if (sub is not null && !items.All && (known || SchemaNode.Matches(sub, instance, context)))
            {
                CollectItems(sub, instance, context, ref items, verified: true, self: false);
            }
        }
    }

    /// <summary>The items evaluated so far: a prefix, every item, or single items matched by <c>contains</c>.</summary>
    private struct ItemAnnotations(int length)
    {
        public readonly int Length = length;
        public int Prefix;
        public bool All;
        public bool[]? Matched;
    }
}
