using System.Text.Json;

namespace Msil.Mcp.Validation;

/// <summary>The JSON types a <c>type</c> keyword allows.</summary>
[Flags]
internal enum JsonTypes
{
    None = 0,
    Null = 1,
    Boolean = 2,
    Object = 4,
    Array = 8,
    Number = 16,
    String = 32,
    Integer = 64,
}

/// <summary>
/// One compiled (sub)schema. Keywords are grouped by the instance type they apply to, so a node only looks at the
/// groups that matter for the instance in hand. Nodes are filled in once by <see cref="SchemaCompiler"/> and are
/// immutable afterwards; <c>$ref</c> cycles are plain object references.
/// </summary>
internal sealed class SchemaNode
{
    /// <summary>The <c>true</c> (or empty) schema: everything is valid.</summary>
    internal static readonly SchemaNode True = new(alwaysValid: true, alwaysInvalid: false);

    /// <summary>The <c>false</c> schema: nothing is valid.</summary>
    internal static readonly SchemaNode False = new(alwaysValid: false, alwaysInvalid: true);

    private const string FalseMessage = "is not allowed";
    private const string AnyOfMessage = "must match at least one of the allowed shapes";
    private const string OneOfMessage = "must match exactly one of the allowed shapes";
    private const string OneOfManyMessage = "must match exactly one of the allowed shapes, but matches more than one";
    private const string NotMessage = "must not match the disallowed shape";

    internal SchemaNode(string pointer) => Pointer = pointer;

    private SchemaNode(bool alwaysValid, bool alwaysInvalid)
    {
        Pointer = string.Empty;
        AlwaysValid = alwaysValid;
        AlwaysInvalid = alwaysInvalid;
    }

    /// <summary>Gets where in the schema document this node came from (for diagnostics).</summary>
    internal string Pointer { get; }

    /// <summary>Gets or sets a value indicating whether the node has no constraints at all.</summary>
    internal bool AlwaysValid { get; set; }

    internal bool AlwaysInvalid { get; }

    /// <summary>Gets or sets a value indicating whether <c>null</c> is accepted regardless (OpenAPI 3.0 <c>nullable</c>).</summary>
    internal bool Nullable { get; set; }

    internal JsonTypes Types { get; set; }

    internal string? TypeMessage { get; set; }

    internal SchemaNode? Ref { get; set; }

    internal ValueSetRule? Enum { get; set; }

    internal ValueSetRule? Const { get; set; }

    internal ObjectRules? ObjectRules { get; set; }

    internal ArrayRules? ArrayRules { get; set; }

    internal StringRules? StringRules { get; set; }

    internal NumberRules? NumberRules { get; set; }

    internal SchemaNode[]? AllOf { get; set; }

    internal SchemaNode[]? AnyOf { get; set; }

    internal SchemaNode[]? OneOf { get; set; }

    internal SchemaNode? Not { get; set; }

    internal SchemaNode? If { get; set; }

    internal SchemaNode? Then { get; set; }

    internal SchemaNode? Else { get; set; }

    /// <summary>Gets or sets the statically resolved target of <c>$dynamicRef</c>.</summary>
    internal SchemaNode? DynamicRef { get; set; }

    /// <summary>
    /// Gets or sets the anchor name a <c>$dynamicRef</c> looks up in the dynamic scope, when its static target has a
    /// matching <c>$dynamicAnchor</c>; otherwise <see langword="null"/> and <see cref="DynamicRef"/> is used as is.
    /// </summary>
    internal string? DynamicRefName { get; set; }

    /// <summary>
    /// Gets or sets the schema resource (<c>$id</c>) the node belongs to; set only when the document uses
    /// <c>$dynamicRef</c>, so other documents pay nothing for dynamic scope tracking.
    /// </summary>
    internal SchemaResource? Resource { get; set; }

    internal SchemaNode? UnevaluatedProperties { get; set; }

    internal SchemaNode? UnevaluatedItems { get; set; }

    /// <summary>Gets or sets a value indicating whether the node has in-place applicators or unevaluated keywords.</summary>
    internal bool HasApplicators { get; set; }

    /// <summary>Validates <paramref name="instance"/> at the context's current path.</summary>
    internal bool Evaluate(JsonElement instance, ValidationContext context)
    {
        if (AlwaysValid)
        {
            return true;
        }

        if (AlwaysInvalid)
        {
            return context.Fail(FalseMessage);
        }

        JsonValueKind kind = instance.ValueKind;
        if (kind == JsonValueKind.Null && Nullable)
        {
            return true;
        }

        if (!context.EnterNode())
        {
            return false;
        }

        bool entered = Resource is not null && context.EnterResource(Resource);
        bool valid = EvaluateCore(instance, kind, context);
        if (entered)
        {
            context.ExitResource();
        }

        context.ExitNode();
        return valid;
    }

    /// <summary>Resolves <c>$dynamicRef</c> against the dynamic scope of the current evaluation.</summary>
    internal SchemaNode ResolveDynamicRef(ValidationContext context) =>
        DynamicRefName is not null && context.FindDynamicAnchor(DynamicRefName) is { } dynamic ? dynamic : DynamicRef!;

    /// <summary>Tells whether this node's <c>type</c> (if any) admits the instance.</summary>
    internal bool AcceptsType(JsonElement instance, JsonValueKind kind)
    {
        if (AlwaysInvalid)
        {
            return false;
        }

        if (Types == JsonTypes.None || (kind == JsonValueKind.Null && Nullable))
        {
            return true;
        }

        return kind switch
        {
            JsonValueKind.Object => (Types & JsonTypes.Object) != 0,
            JsonValueKind.Array => (Types & JsonTypes.Array) != 0,
            JsonValueKind.String => (Types & JsonTypes.String) != 0,
            JsonValueKind.Number => (Types & JsonTypes.Number) != 0
                || ((Types & JsonTypes.Integer) != 0 && JsonText.IsInteger(instance)),
            JsonValueKind.True or JsonValueKind.False => (Types & JsonTypes.Boolean) != 0,
            JsonValueKind.Null => (Types & JsonTypes.Null) != 0,
            _ => false,
        };
    }

    private static bool EvaluateAll(SchemaNode[] nodes, JsonElement instance, ValidationContext context)
    {
        bool valid = true;
        foreach (SchemaNode node in nodes)
        {
            if (!node.Evaluate(instance, context))
            {
                valid = false;
                if (context.StopOnFailure)
                {
                    break;
                }
            }
        }

        return valid;
    }

    private static bool EvaluateAnyOf(SchemaNode[] branches, JsonElement instance, JsonValueKind kind, ValidationContext context)
    {
        List<SchemaViolation>? sink = context.SuspendCollecting();
        bool matched = false;
        foreach (SchemaNode branch in branches)
        {
            if (branch.Evaluate(instance, context))
            {
                matched = true;
                break;
            }
        }

        context.ResumeCollecting(sink);
        if (matched)
        {
            return true;
        }

        context.Fail(AnyOfMessage);
        ExplainBestBranch(branches, instance, kind, context);
        return false;
    }

    private static bool EvaluateOneOf(SchemaNode[] branches, JsonElement instance, JsonValueKind kind, ValidationContext context)
    {
        List<SchemaViolation>? sink = context.SuspendCollecting();
        int matches = 0;
        foreach (SchemaNode branch in branches)
        {
            if (branch.Evaluate(instance, context) && ++matches > 1)
            {
                break;
            }
        }

        context.ResumeCollecting(sink);
        if (matches == 1)
        {
            return true;
        }

        if (matches > 1)
        {
            return context.Fail(OneOfManyMessage);
        }

        context.Fail(OneOfMessage);
        ExplainBestBranch(branches, instance, kind, context);
        return false;
    }

    /// <summary>
    /// After no branch matched, reports the violations of the branch the caller most likely meant: the first whose
    /// <c>type</c> admits the instance (so an object is explained against the object-shaped branch).
    /// </summary>
    private static void ExplainBestBranch(SchemaNode[] branches, JsonElement instance, JsonValueKind kind, ValidationContext context)
    {
        if (context.StopOnFailure)
        {
            return;
        }

        SchemaNode best = branches[0];
        foreach (SchemaNode branch in branches)
        {
            // Look through $ref (OpenAPI's anyOf: [{ $ref: A }, { $ref: B }]) a few hops, so cycles cannot loop.
            SchemaNode shape = branch;
            for (int hops = 0; hops < 8 && shape.Types == JsonTypes.None && shape.Ref is not null; hops++)
            {
                shape = shape.Ref;
            }

            if (shape.AcceptsType(instance, kind))
            {
                best = branch;
                break;
            }
        }

        best.Evaluate(instance, context);
    }

    internal static bool Matches(SchemaNode node, JsonElement instance, ValidationContext context)
    {
        List<SchemaViolation>? sink = context.SuspendCollecting();
        bool matched = node.Evaluate(instance, context);
        context.ResumeCollecting(sink);
        return matched;
    }

    private bool EvaluateCore(JsonElement instance, JsonValueKind kind, ValidationContext context)
    {
        if (Types != JsonTypes.None && !AcceptsType(instance, kind))
        {
            // The other keywords mostly depend on the type; reporting them too would only add noise.
            return context.Fail(string.Concat(TypeMessage, ", but is ", JsonText.Describe(instance, kind)));
        }

        bool valid = true;
        if (Ref is not null && !Ref.Evaluate(instance, context))
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (Const is not null && !Const.Contains(instance, kind))
        {
            valid = context.Fail(Const.Message);
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (Enum is not null && !Enum.Contains(instance, kind))
        {
            valid = context.Fail(Enum.Message);
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        bool typeValid = kind switch
        {
            JsonValueKind.Object => ObjectRules is null || ObjectRules.Evaluate(instance, context),
            JsonValueKind.Array => ArrayRules is null || ArrayRules.Evaluate(instance, context),
            JsonValueKind.String => StringRules is null || StringRules.Evaluate(instance, context),
            JsonValueKind.Number => NumberRules is null || NumberRules.Evaluate(instance, context),
            _ => true,
        };

        if (!typeValid)
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (!HasApplicators)
        {
            return valid;
        }

        return EvaluateApplicators(instance, kind, context) && valid;
    }

    private bool EvaluateApplicators(JsonElement instance, JsonValueKind kind, ValidationContext context)
    {
        bool valid = true;
        if (AllOf is not null && !EvaluateAll(AllOf, instance, context))
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (AnyOf is not null && !EvaluateAnyOf(AnyOf, instance, kind, context))
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (OneOf is not null && !EvaluateOneOf(OneOf, instance, kind, context))
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (Not is not null && Matches(Not, instance, context))
        {
            valid = context.Fail(NotMessage);
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (If is not null)
        {
            SchemaNode? branch = Matches(If, instance, context) ? Then : Else;
            if (branch is not null && !branch.Evaluate(instance, context))
            {
                valid = false;
                if (context.StopOnFailure)
                {
                    return false;
                }
            }
        }

        if (DynamicRef is not null && !ResolveDynamicRef(context).Evaluate(instance, context))
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (UnevaluatedProperties is not null && kind == JsonValueKind.Object
            && !Annotations.EvaluateUnevaluatedProperties(this, instance, context))
        {
            valid = false;
            if (context.StopOnFailure)
            {
                return false;
            }
        }

        if (UnevaluatedItems is not null && kind == JsonValueKind.Array
            && !Annotations.EvaluateUnevaluatedItems(this, instance, context))
        {
            valid = false;
        }

        return valid;
    }
}
