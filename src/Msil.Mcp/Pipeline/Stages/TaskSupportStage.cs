using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tasks;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// The tasks extension (SEP-2663) at the door: whether the call may become a task (the tool supports tasks and the
/// client negotiated the extension), and the refusal (-32021) of a task-only tool for a client that did not.
/// </summary>
internal sealed class TaskSupportStage(ToolTaskRunner tasks)
{
    public void Check(CallState state, RequestContext<CallToolRequestParams> context)
    {
        var support = state.Tool!.Definition.TaskSupport;
        if (support == ToolTaskSupport.None || !tasks.Enabled)
        {
            return;
        }

        state.TaskEligible = ToolTaskNegotiation.IsNegotiated(context);
        if (!state.TaskEligible && support == ToolTaskSupport.Required)
        {
            state.Outcome = AuditOutcomes.TaskRequired;
            state.Detail = "the client did not negotiate " + ToolTaskNegotiation.ExtensionId;
            throw new MissingRequiredClientCapabilityException(
                ToolTaskNegotiation.RequiredCapabilities(),
                $"Tool '{state.ToolName}' runs only as a task: declare the {ToolTaskNegotiation.ExtensionId} extension in the client capabilities.");
        }
    }
}
