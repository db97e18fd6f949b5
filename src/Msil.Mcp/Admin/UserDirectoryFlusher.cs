using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Admin;

/// <summary>
/// Merges the callers the pipeline counted (<see cref="CallActivity"/>) into the users store every
/// <see cref="UserDirectoryOptions.FlushInterval"/>, and once more when the host stops. A store that fails keeps the
/// activity in memory for the next flush.
/// </summary>
internal sealed class UserDirectoryFlusher(
    CallActivity activity,
    IUserDirectory directory,
    IOptions<UserDirectoryOptions> options,
    TimeProvider time,
    ILogger<UserDirectoryFlusher> logger) : BackgroundService
{
    /// <summary>Merges what is pending now.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = activity.Drain();
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await directory.MergeAsync(batch, cancellationToken).ConfigureAwait(false);
            Log.UserFlushed(logger, batch.Count);
        }
        catch (Exception ex)
        {
            Log.UserFlushFailed(logger, ex.GetType().Name, batch.Count);
            foreach (var record in batch)
            {
                activity.Restore(record);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
