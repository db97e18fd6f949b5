using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Msil.Mcp.Validation;

/// <summary>The keywords for arrays: <c>prefixItems</c>, <c>items</c>, sizes, <c>uniqueItems</c> and <c>contains</c>.</summary>
internal sealed class ArrayRules
{
    internal SchemaNode[] PrefixItems { get; set; } = [];

    /// <summary>Gets or sets the schema for items after <see cref="PrefixItems"/>, unless it is <c>false</c>.</summary>
    internal SchemaNode? Items { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>items: false</c> forbids items after <see cref="PrefixItems"/>.</summary>
    internal bool ItemsForbidden { get; set; }

    internal string? ItemsForbiddenMessage { get; set; }

    internal int MinItems { get; set; } = -1;

    internal int MaxItems { get; set; } = -1;

    internal string? MinItemsMessage { get; set; }

    internal string? MaxItemsMessage { get; set; }

    internal bool UniqueItems { get; set; }

    internal SchemaNode? Contains { get; set; }

    internal int MinContains { get; set; } = 1;

    internal int MaxContains { get; set; } = -1;

    internal string? MinContainsMessage { get; set; }

    internal string? MaxContainsMessage { get; set; }

    internal bool Evaluate(JsonElement instance, ValidationContext context)
    {
        bool valid = true;
        int length = instance.GetArrayLength();
        if (MinItems >= 0 && length < MinItems)
        {
            valid = context.Fail(MinItemsMessage!);
        }

        if (MaxItems >= 0 && length > MaxItems)
        {
            valid = context.Fail(MaxItemsMessage!);
        }

        if (ItemsForbidden && length > PrefixItems.Length)
        {
            valid = context.Fail(ItemsForbiddenMessage!);
        }

        if (!valid && context.StopOnFailure)
        {
            return false;
        }

        if (length > 0 && (PrefixItems.Length > 0 || Items is not null || Contains is not null))
        {
            if (!context.CanDescend)
            {
                // The schema looks inside this array, and it is already as deep as an instance may nest.
                return context.Fail(ValidationContext.TooDeepMessage);
            }

            if (!EvaluateItems(instance, context))
            {
                valid = false;
                if (context.StopOnFailure)
                {
                    return false;
                }
            }
        }

        // Also for an empty array: it contains nothing, which fails minContains (1 unless set lower).
        if (Contains is not null && !EvaluateContains(instance, context))
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (UniqueItems && length > 1 && !EvaluateUnique(instance, length, context))
        {
            valid = false;
        }

        return valid;
    }

    private bool EvaluateItems(JsonElement instance, ValidationContext context)
    {
        if (PrefixItems.Length == 0 && (Items is null || Items.AlwaysValid))
        {
            return true;
        }

        bool valid = true;
        int index = 0;
        foreach (JsonElement item in instance.EnumerateArray())
        {
            SchemaNode? schema = index < PrefixItems.Length ? PrefixItems[index] : Items;
            if (schema is null)
            {
                break;
            }

            if (!schema.AlwaysValid)
            {
                context.PushIndex(index);
                bool ok = schema.Evaluate(item, context);
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

            index++;
        }

        return valid;
    }

    private bool EvaluateContains(JsonElement instance, ValidationContext context)
    {
        List<SchemaViolation>? sink = context.SuspendCollecting();
        int matches = 0;
        int index = 0;
        foreach (JsonElement item in instance.EnumerateArray())
        {
            context.PushIndex(index++);
            if (Contains!.Evaluate(item, context))
            {
                matches++;
            }

            context.Pop();
        }

        context.ResumeCollecting(sink);
        bool valid = true;
        if (matches < MinContains)
        {
            valid = context.Fail(MinContainsMessage!);
        }

        if (MaxContains >= 0 && matches > MaxContains)
        {
            valid = context.Fail(MaxContainsMessage!);
        }

        return valid;
    }

    private static bool EvaluateUnique(JsonElement instance, int length, ValidationContext context)
    {
        JsonElement[] items = ArrayPool<JsonElement>.Shared.Rent(length);
        int count = 0;
        foreach (JsonElement item in instance.EnumerateArray())
        {
            items[count++] = item;
        }

        bool valid = true;
        for (int j = 1; j < count && valid; j++)
        {
            for (int i = 0; i < j; i++)
            {
                if (JsonElement.DeepEquals(items[i], items[j]))
                {
                    valid = context.Fail(string.Create(
                        CultureInfo.InvariantCulture,
                        $"must contain unique items, but item [{j}] repeats item [{i}]"));
                    break;
                }
            }
        }

        ArrayPool<JsonElement>.Shared.Return(items, clearArray: true);
        return valid;
    }
}
