using System.Collections.Frozen;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Pipeline;

/// <summary>The registered executors by kind, resolved once at start.</summary>
internal sealed class ToolExecutorRegistry
{
    private readonly FrozenDictionary<string, IToolExecutor> _byKind;

    public ToolExecutorRegistry(IEnumerable<IToolExecutor> executors)
    {
        var map = new Dictionary<string, IToolExecutor>(StringComparer.Ordinal);
        foreach (var executor in executors)
        {
            if (!map.TryAdd(executor.Kind, executor))
            {
                throw new InvalidOperationException($"Two tool executors are registered for kind '{executor.Kind}' ({map[executor.Kind].GetType().Name} and {executor.GetType().Name}). Register one executor per kind.");
            }
        }

        _byKind = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<string> Kinds => _byKind.Keys;

    public bool TryGet(string kind, out IToolExecutor executor) => _byKind.TryGetValue(kind, out executor!);
}
