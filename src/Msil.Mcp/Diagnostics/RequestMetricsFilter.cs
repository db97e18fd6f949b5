using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Msil.Mcp.Diagnostics;

/// <summary>
/// The seed's <c>request_count</c> and <c>request_latency</c>: an incoming-message filter that counts every JSON-RPC
/// request (not notifications or responses) by method and times its handling. Installed outermost, per server options.
/// </summary>
internal sealed class RequestMetricsFilter
{
    public RequestMetricsFilter(MsilMcpMetrics metrics, TimeProvider time)
    {
        Filter = next => async (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is not JsonRpcRequest request)
            {
                await next(context, cancellationToken).ConfigureAwait(false);
                return;
            }

            var start = time.GetTimestamp();
            string? errorType = null;
            try
            {
                await next(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                errorType = ex.GetType().Name;
                throw;
            }
            finally
            {
                metrics.Request(request.Method, errorType, time.GetElapsedTime(start).TotalSeconds);
            }
        };
    }

    /// <summary>Gets the filter, created once.</summary>
    public McpMessageFilter Filter { get; }
}
