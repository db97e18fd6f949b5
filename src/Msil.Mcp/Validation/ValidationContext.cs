using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Msil.Mcp.Validation;

/// <summary>
/// The mutable state of one <see cref="JsonSchemaValidator.Validate"/> call: where in the instance we are, where
/// violations go, and the guards against deep nesting. One instance is cached per thread, so a valid call allocates
/// nothing.
/// </summary>
internal sealed class ValidationContext
{
    /// <summary>The path of the whole argument object.</summary>
    internal const string RootPath = "(arguments)";

    /// <summary>How deep the instance may nest (objects and arrays) before validation stops descending.</summary>
    internal const int MaxInstanceDepth = 64;

    /// <summary>The violation reported where the instance nests deeper than <see cref="MaxInstanceDepth"/>.</summary>
    internal const string TooDeepMessage = "is nested too deeply";

    // Schema nodes applied to one spot without moving deeper into the instance ($ref chains, allOf, ...).
    private const int MaxEvaluationDepth = 512;
    private const string SchemaTooDeepMessage = "could not be validated: the schema refers to itself too deeply";

    // Property names in paths are the caller's text: a path shows at most this many characters of each name.
    private const int MaxNameChars = 64;

    [ThreadStatic]
    private static ValidationContext? t_cached;

    // One more slot than the depth limit so a violation can still name the child that is too deep.
    private readonly PathFrame[] _frames = new PathFrame[MaxInstanceDepth + 1];
    private int _depth;
    private int _highWater;
    private int _evaluationDepth;
    private SchemaResource?[]? _scope;
    private int _scopeDepth;
    private List<SchemaViolation>? _sink;
    private int _count;
    private int _max;

    /// <summary>Gets a value indicating whether violations are being recorded (rather than only checked).</summary>
    internal bool Collecting => _sink is not null;

    /// <summary>
    /// Gets a value indicating whether validation should stop at the first failure: either only a yes/no answer is
    /// wanted (inside <c>anyOf</c>, <c>not</c>, ...) or the violation limit is reached.
    /// </summary>
    internal bool StopOnFailure => _sink is null || _count >= _max;

    /// <summary>Gets a value indicating whether one more level of the instance may be entered.</summary>
    internal bool CanDescend => _depth < MaxInstanceDepth;

    internal static ValidationContext Rent(List<SchemaViolation> sink, int max)
    {
        ValidationContext context = t_cached ?? new ValidationContext();
        t_cached = null;
        context._sink = sink;
        context._max = max;
        return context;
    }

    internal static void Return(ValidationContext context)
    {
        // Drop references into the instance's JsonDocument so the cached context does not keep it alive.
        Array.Clear(context._frames, 0, context._highWater);
        context._highWater = 0;
        context._depth = 0;
        context._evaluationDepth = 0;
        if (context._scope is not null)
        {
            Array.Clear(context._scope, 0, context._scope.Length);
            context._scopeDepth = 0;
        }

        context._sink = null;
        context._count = 0;
        t_cached = context;
    }

    /// <summary>Switches to check-only mode; pass the result to <see cref="ResumeCollecting"/>.</summary>
    internal List<SchemaViolation>? SuspendCollecting()
    {
        List<SchemaViolation>? sink = _sink;
        _sink = null;
        return sink;
    }

    internal void ResumeCollecting(List<SchemaViolation>? sink) => _sink = sink;

    /// <summary>
    /// Evaluates <paramref name="node"/> only to learn its first violation's message (to explain a failed check, such
    /// as <c>propertyNames</c>, in other words); nothing is added to the violations of the call.
    /// </summary>
    internal string? FirstViolation(SchemaNode node, JsonElement instance)
    {
        List<SchemaViolation>? sink = _sink;
        int count = _count;
        int max = _max;
        var scratch = new List<SchemaViolation>(1);
        _sink = scratch;
        _count = 0;
        _max = 1;
        node.Evaluate(instance, this);
        _sink = sink;
        _count = count;
        _max = max;
        return scratch.Count > 0 ? scratch[0].Message : null;
    }

    internal bool EnterNode()
    {
        _evaluationDepth++;
        if (_evaluationDepth > MaxEvaluationDepth
            || (_evaluationDepth > 64 && !RuntimeHelpers.TryEnsureSufficientExecutionStack()))
        {
            _evaluationDepth--;
            return Fail(SchemaTooDeepMessage);
        }

        return true;
    }

    internal void ExitNode() => _evaluationDepth--;

    /// <summary>
    /// Enters a schema resource (the dynamic scope of <c>$dynamicRef</c>) unless it is already the innermost one;
    /// returns whether it was entered, so the caller knows to call <see cref="ExitResource"/>.
    /// </summary>
    internal bool EnterResource(SchemaResource resource)
    {
        _scope ??= new SchemaResource?[MaxEvaluationDepth + 1];
        if ((_scopeDepth > 0 && ReferenceEquals(_scope[_scopeDepth - 1], resource)) || _scopeDepth == _scope.Length)
        {
            return false;
        }

        _scope[_scopeDepth++] = resource;
        return true;
    }

    internal void ExitResource() => _scope![--_scopeDepth] = null;

    /// <summary>Finds the outermost <c>$dynamicAnchor</c> with this name in the dynamic scope.</summary>
    internal SchemaNode? FindDynamicAnchor(string name)
    {
        for (int i = 0; i < _scopeDepth; i++)
        {
            if (_scope![i]!.DynamicAnchors.TryGetValue(name, out SchemaNode? node))
            {
                return node;
            }
        }

        return null;
    }

    internal void PushName(string name)
    {
        ref PathFrame frame = ref Push();
        frame.Kind = FrameKind.Name;
        frame.Name = name;
    }

    internal void PushProperty(JsonProperty property)
    {
        ref PathFrame frame = ref Push();
        frame.Kind = FrameKind.Property;
        frame.Property = property;
    }

    internal void PushIndex(int index)
    {
        ref PathFrame frame = ref Push();
        frame.Kind = FrameKind.Index;
        frame.Index = index;
    }

    internal void Pop() => _depth--;

    /// <summary>Records a violation at the current path; always returns <see langword="false"/>.</summary>
    internal bool Fail(string message)
    {
        if (_sink is not null && _count < _max)
        {
            _sink.Add(new SchemaViolation(BuildPath(), message));
            _count++;
        }

        return false;
    }

    /// <summary>Records a violation at a named child of the current path; always returns <see langword="false"/>.</summary>
    internal bool FailChild(string name, string message)
    {
        if (_sink is null)
        {
            return false;
        }

        PushName(name);
        Fail(message);
        Pop();
        return false;
    }

    /// <summary>Records a violation at a property of the current object; always returns <see langword="false"/>.</summary>
    internal bool FailChild(JsonProperty property, string message)
    {
        if (_sink is null)
        {
            return false;
        }

        PushProperty(property);
        Fail(message);
        Pop();
        return false;
    }

    /// <summary>Records a violation at an item of the current array; always returns <see langword="false"/>.</summary>
    internal bool FailChild(int index, string message)
    {
        if (_sink is null)
        {
            return false;
        }

        PushIndex(index);
        Fail(message);
        Pop();
        return false;
    }

    private ref PathFrame Push()
    {
        // Callers check CanDescend before entering a child; the spare slot covers naming one level deeper.
        ref PathFrame frame = ref _frames[_depth];
        _depth++;
        if (_depth > _highWater)
        {
            _highWater = _depth;
        }

        return ref frame;
    }

    private string BuildPath()
    {
        if (_depth == 0)
        {
            return RootPath;
        }

        var builder = new StringBuilder(32);
        for (int i = 0; i < _depth; i++)
        {
            ref readonly PathFrame frame = ref _frames[i];
            switch (frame.Kind)
            {
                case FrameKind.Index:
                    builder.Append(CultureInfo.InvariantCulture, $"[{frame.Index}]");
                    break;
                case FrameKind.Name:
                    AppendName(builder, frame.Name!);
                    break;
                default:
                    AppendName(builder, frame.Property.Name);
                    break;
            }
        }

        return builder.ToString();
    }

    private static void AppendName(StringBuilder builder, string name)
    {
        bool cut = name.Length > MaxNameChars;
        if (cut)
        {
            name = string.Concat(name.AsSpan(0, MaxNameChars - 3), "...");
        }

        if (IsPlainName(name) && !cut)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(name);
            return;
        }

        // Names a dot would make ambiguous: customer["first.name"].
        builder.Append("[\"");
        foreach (char c in name)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        builder.Append("\"]");
    }

    private static bool IsPlainName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c is '_' or '-' or '$' or '@'))
            {
                return false;
            }
        }

        return true;
    }

    private enum FrameKind : byte
    {
        Name,
        Property,
        Index,
    }

    private struct PathFrame
    {
        public FrameKind Kind;
        public int Index;
        public string? Name;
        public JsonProperty Property;
    }
}
