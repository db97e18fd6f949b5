using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Whether the operations an <see cref="OperationSelectionRule"/> matches become tools.</summary>
public enum OperationSelectionAction
{
    /// <summary>The operations become tools.</summary>
    Include = 0,

    /// <summary>The operations are left out: no tool, no diagnostic.</summary>
    Exclude = 1,
}

/// <summary>
/// One rule of an operation selection (<c>Msil:Mcp:Registry:Sources:N:Select:M</c>), after FastMCP's route maps: which
/// operations of a document become tools, and at which risk level.
/// </summary>
/// <remarks>
/// <para>
/// A rule matches an operation when every criterion it sets matches (a criterion left empty matches everything); within one
/// criterion any listed value matches. Rules are tried in order and the <b>first rule that matches decides</b>; an
/// operation that no rule matches is included when every rule is an exclude rule, and left out as soon as one include rule
/// exists (listing what to include leaves everything else out). Put exclusions before the broader inclusions they carve
/// out of.
/// </para>
/// <para>
/// <see cref="RiskLevel"/> replaces the method's default risk level (GET, HEAD, OPTIONS read; others write). When the
/// document sets <c>x-mcp-risk-level</c> on the operation, the stricter of the two is used: a selection rule can raise a
/// document's level but never lower it (lowering a single tool is a curation override, which is audited and may need a
/// second admin's approval).
/// </para>
/// </remarks>
public sealed class OperationSelectionRule
{
    /// <summary>Gets or sets whether the operations this rule matches become tools.</summary>
    /// <value>Defaults to <see cref="OperationSelectionAction.Include"/>.</value>
    public OperationSelectionAction Action { get; set; } = OperationSelectionAction.Include;

    /// <summary>Gets the tags of which an operation must carry at least one (exact, case-sensitive).</summary>
    /// <value>Defaults to empty: any tags.</value>
    public IList<string> Tags { get; } = [];

    /// <summary>
    /// Gets the path patterns of which the operation's path, as written in the document (<c>/v1/orders/{id}</c>), must
    /// match one: <c>*</c> matches within one segment, <c>**</c> any number of segments, <c>?</c> one character
    /// (<c>/admin/**</c>, <c>/v1/*/items</c>). Case-sensitive.
    /// </summary>
    /// <value>Defaults to empty: any path.</value>
    public IList<string> Paths { get; } = [];

    /// <summary>Gets the HTTP methods of which the operation's must be one (<c>GET</c>, <c>DELETE</c>, …; any case).</summary>
    /// <value>Defaults to empty: any method.</value>
    public IList<string> Methods { get; } = [];

    /// <summary>Gets the operation ids of which the operation's must be one (exact, case-sensitive).</summary>
    /// <value>Defaults to empty: any operation id, or none.</value>
    public IList<string> OperationIds { get; } = [];

    /// <summary>Gets or sets the risk level (<c>read</c>, <c>write</c> or <c>privileged</c>) of the tools an include rule takes.</summary>
    /// <value>Defaults to <see langword="null"/>: the method's default, or the document's <c>x-mcp-risk-level</c>.</value>
    public string? RiskLevel { get; set; }

    /// <summary>
    /// Checks a selection before it is given to <see cref="OpenApiCompilerOptions.Select"/> (where an invalid one makes the
    /// compiler throw): unknown methods, empty entries, paths that do not start with <c>/</c> or <c>*</c>, unknown risk
    /// levels and a risk level on an exclude rule.
    /// </summary>
    /// <param name="rules">The rules, in order.</param>
    /// <param name="keyPrefix">
    /// What names a rule in the problems, followed by its index and field: <c>Msil:Mcp:Registry:Sources:0:Select</c> gives
    /// <c>Msil:Mcp:Registry:Sources:0:Select:1:Methods:0: 'FETCH' is not an HTTP method; …</c>.
    /// </param>
    /// <returns>One sentence per problem, each naming the rule's key and how to fix it; empty when the rules are valid.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rules"/> or <paramref name="keyPrefix"/> is <see langword="null"/>.</exception>
    public static IReadOnlyList<string> Validate(IList<OperationSelectionRule> rules, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        return OperationSelector.Validate(rules, keyPrefix);
    }

    /// <summary>Returns the rule in a short form, such as <c>exclude path /admin/**</c>.</summary>
    /// <returns>The rule's action and criteria.</returns>
    public override string ToString() => OperationSelector.Describe(this);
}

/// <summary>What an operation selection did to a document's operations (<see cref="OpenApiCompilation.Selection"/>).</summary>
/// <param name="Rules">Each rule in order, with the operations it took.</param>
/// <param name="DefaultAction">What happened to the operations no rule matched.</param>
/// <param name="DefaultTaken">How many operations no rule matched.</param>
/// <param name="Excluded">How many operations were left out, by rules or by the default.</param>
public sealed record OperationSelectionReport(
    IReadOnlyList<SelectionRuleOutcome> Rules,
    OperationSelectionAction DefaultAction,
    int DefaultTaken,
    int Excluded);

/// <summary>What one selection rule did.</summary>
/// <param name="Index">The rule's position in the selection, from 0 (its configuration key ends in <c>Select:{Index}</c>).</param>
/// <param name="Rule">The rule in short form (<c>exclude path /admin/**</c>).</param>
/// <param name="Action">The rule's action.</param>
/// <param name="Taken">How many operations this rule decided (the first rule that matched them).</param>
/// <param name="Left">How many operations were still undecided after this rule, for the rules after it.</param>
public sealed record SelectionRuleOutcome(int Index, string Rule, OperationSelectionAction Action, int Taken, int Left);

/// <summary>A checked, compiled operation selection.</summary>
internal sealed class OperationSelector
{
    /// <summary>The HTTP methods an OpenAPI document can hold.</summary>
    internal static readonly string[] KnownMethods = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY"];

    private readonly Compiled[] _rules;

    private OperationSelector(Compiled[] rules) => _rules = rules;

    /// <summary>Checks the rules; each problem names the rule by <paramref name="keyPrefix"/> plus its index and field.</summary>
    public static IReadOnlyList<string> Validate(IList<OperationSelectionRule> rules, string keyPrefix)
    {
        var problems = new List<string>();
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var key = string.Create(CultureInfo.InvariantCulture, $"{keyPrefix}:{i}");
            if (rule is null)
            {
                problems.Add($"{key}: the rule is empty; remove it.");
                continue;
            }

            if (!Enum.IsDefined(rule.Action))
            {
                problems.Add($"{key}:Action must be Include or Exclude.");
            }

            for (var j = 0; j < rule.Methods.Count; j++)
            {
                if (!KnownMethods.Contains(rule.Methods[j]?.Trim().ToUpperInvariant()))
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{key}:Methods:{j}: '{rule.Methods[j]}' is not an HTTP method; use one of {string.Join(", ", KnownMethods)}."));
                }
            }

            Empty(rule.Paths, "Paths", "a path pattern such as /admin/** or /v1/*/items");
            Empty(rule.Tags, "Tags", "a tag of the document");
            Empty(rule.OperationIds, "OperationIds", "an operation id of the document");
            for (var j = 0; j < rule.Paths.Count; j++)
            {
                if (!string.IsNullOrWhiteSpace(rule.Paths[j]) && !rule.Paths[j].StartsWith('/') && !rule.Paths[j].StartsWith('*'))
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{key}:Paths:{j}: '{rule.Paths[j]}' must start with '/' (the document's paths do) or '*'."));
                }
            }

            if (rule.RiskLevel is not null)
            {
                if (!RiskLevels.TryParse(rule.RiskLevel, out _))
                {
                    problems.Add($"{key}:RiskLevel: '{rule.RiskLevel}' is not a risk level; use read, write or privileged.");
                }
                else if (rule.Action == OperationSelectionAction.Exclude)
                {
                    problems.Add($"{key}:RiskLevel is set on an exclude rule, whose operations become no tools; remove it or make the rule Include.");
                }
            }

            void Empty(IList<string> values, string field, string what)
            {
                for (var j = 0; j < values.Count; j++)
                {
                    if (string.IsNullOrWhiteSpace(values[j]))
                    {
                        problems.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:{field}:{j} is empty; set {what}, or remove the entry."));
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>Compiles valid rules (see <see cref="Validate"/>); returns <see langword="null"/> for an empty selection.</summary>
    /// <exception cref="ArgumentException">A rule is not valid.</exception>
    public static OperationSelector? Create(IList<OperationSelectionRule>? rules)
    {
        if (rules is null || rules.Count == 0)
        {
            return null;
        }

        var problems = Validate(rules, "Select");
        if (problems.Count > 0)
        {
            throw new ArgumentException("The operation selection is not valid: " + string.Join(" ", problems), nameof(rules));
        }

        return new OperationSelector([.. rules.Select(r => new Compiled(
            r.Action,
            [.. r.Tags],
            [.. r.Paths.Select(Glob)],
            [.. r.Methods.Select(m => m.Trim().ToUpperInvariant())],
            [.. r.OperationIds],
            r.RiskLevel is { } level && RiskLevels.TryParse(level, out var parsed) ? parsed : null,
            Describe(r)))]);
    }

    /// <summary>Decides every operation; returns, per operation in input order, whether it is included and the rule's risk level.</summary>
    public (bool Included, RiskLevel? RiskLevel)[] Select(IReadOnlyList<(string Method, string Path, string? OperationId, IReadOnlyCollection<string> Tags)> operations, out OperationSelectionReport report)
    {
        var decisions = new (bool, RiskLevel?)[operations.Count];
        var taken = new int[_rules.Length];
        var defaultAction = _rules.Any(r => r.Action == OperationSelectionAction.Include) ? OperationSelectionAction.Exclude : OperationSelectionAction.Include;
        var defaultTaken = 0;
        var excluded = 0;
        for (var i = 0; i < operations.Count; i++)
        {
            var (method, path, operationId, tags) = operations[i];
            var index = Array.FindIndex(_rules, r => r.Matches(method, path, operationId, tags));
            var action = index < 0 ? defaultAction : _rules[index].Action;
            if (index < 0)
            {
                defaultTaken++;
            }
            else
            {
                taken[index]++;
            }

            if (action == OperationSelectionAction.Exclude)
            {
                excluded++;
            }

            decisions[i] = (action == OperationSelectionAction.Include, index < 0 ? null : _rules[index].RiskLevel);
        }

        var outcomes = new List<SelectionRuleOutcome>(_rules.Length);
        var left = operations.Count;
        for (var i = 0; i < _rules.Length; i++)
        {
            left -= taken[i];
            outcomes.Add(new SelectionRuleOutcome(i, _rules[i].Text, _rules[i].Action, taken[i], left));
        }

        report = new OperationSelectionReport(outcomes, defaultAction, defaultTaken, excluded);
        return decisions;
    }

    /// <summary>The rule in short form: <c>include tag orders, method GET → privileged</c>.</summary>
    internal static string Describe(OperationSelectionRule rule)
    {
        var text = new StringBuilder(rule.Action == OperationSelectionAction.Exclude ? "exclude" : "include");
        var parts = new List<string>();
        Add("tag", rule.Tags);
        Add("path", rule.Paths);
        Add("method", rule.Methods);
        Add("operation id", rule.OperationIds);
        text.Append(parts.Count == 0 ? " every operation" : " " + string.Join(", ", parts));
        if (rule.RiskLevel is { } level)
        {
            text.Append(" as ").Append(level);
        }

        return text.ToString();

        void Add(string name, IList<string> values)
        {
            if (values.Count > 0)
            {
                parts.Add(name + " " + string.Join(" or ", values));
            }
        }
    }

    /// <summary>A glob over a path: <c>**</c> any characters, <c>*</c> any within one segment, <c>?</c> one character of a segment.</summary>
    internal static Regex Glob(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "/admin/**" also matches "/admin" itself.
                if (regex.Length > 1 && regex[^1] == '/' && i + 2 == pattern.Length)
                {
                    regex.Length--;
                    regex.Append("(/.*)?");
                }
                else
                {
                    regex.Append(".*");
                }

                i++;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(1));
    }

    private sealed record Compiled(
        OperationSelectionAction Action,
        string[] Tags,
        Regex[] Paths,
        string[] Methods,
        string[] OperationIds,
        RiskLevel? RiskLevel,
        string Text)
    {
        public bool Matches(string method, string path, string? operationId, IReadOnlyCollection<string> tags)
            => (Methods.Length == 0 || Methods.Contains(method, StringComparer.Ordinal))
                && (Paths.Length == 0 || Paths.Any(p => p.IsMatch(path)))
                && (OperationIds.Length == 0 || operationId is not null && OperationIds.Contains(operationId, StringComparer.Ordinal))
                && (Tags.Length == 0 || tags.Any(t => Tags.Contains(t, StringComparer.Ordinal)));
    }
}
