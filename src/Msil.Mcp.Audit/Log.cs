using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Audit;

/// <summary>The audit package's log messages (event ids 6000–6999). Never a connection string, key or record content.</summary>
internal static partial class Log
{
    [LoggerMessage(6000, LogLevel.Critical, "Audit records cannot be written to {Directory}: {Error}")]
    public static partial void WriteFailed(ILogger logger, string directory, string error);

    [LoggerMessage(6001, LogLevel.Warning, "A torn audit record ({Bytes} bytes, never acknowledged) was cut from the end of {File}")]
    public static partial void TornRecordRemoved(ILogger logger, string file, int bytes);

    [LoggerMessage(6002, LogLevel.Information, "The audit outbox in {Directory} can be written again; the chain continues at record {Sequence}")]
    public static partial void WriteRecovered(ILogger logger, string directory, long sequence);

    [LoggerMessage(6003, LogLevel.Information, "Audit chain '{ChainId}' in {Directory} continues at record {Sequence}")]
    public static partial void ChainOpened(ILogger logger, string chainId, string directory, long sequence);

    [LoggerMessage(6004, LogLevel.Critical, "{Count} queued audit record(s) were lost: the outbox cannot be written")]
    public static partial void QueuedRecordsLost(ILogger logger, int count);

    [LoggerMessage(6010, LogLevel.Information, "Audit shipping to {Target} starts after record {Sequence}")]
    public static partial void ShippingStarts(ILogger logger, string target, long sequence);

    [LoggerMessage(6011, LogLevel.Warning, "Audit shipping to {Target} failed ({ErrorType}: {Error}); retrying in {Delay}")]
    public static partial void ShipFailed(ILogger logger, string target, string errorType, string error, TimeSpan delay);

    [LoggerMessage(6012, LogLevel.Information, "Audit shipping to {Target} recovered; shipped through record {Sequence}")]
    public static partial void ShipRecovered(ILogger logger, string target, long sequence);

    [LoggerMessage(6013, LogLevel.Critical, "Audit shipping to {Target} stopped: the outbox does not verify at record {Sequence}: {Problem}")]
    public static partial void OutboxBroken(ILogger logger, string target, long sequence, string problem);

    [LoggerMessage(6014, LogLevel.Information, "Audit target {Target} already holds records through {Sequence}; shipping continues from there")]
    public static partial void TargetAhead(ILogger logger, string target, long sequence);

    [LoggerMessage(6015, LogLevel.Warning, "The shipping checkpoint {File} is for another target or chain and is ignored")]
    public static partial void CheckpointIgnored(ILogger logger, string file);

    [LoggerMessage(6016, LogLevel.Critical, "Audit shipping to {Target} stopped: {Problem}")]
    public static partial void TargetConflict(ILogger logger, string target, string problem);

    [LoggerMessage(6017, LogLevel.Warning, "Audit manifest {Key} cannot be read (an upload cut by a crash); the batch after record {Sequence} is shipped again and its manifest rewritten")]
    public static partial void ManifestIncomplete(ILogger logger, string key, long sequence);

    [LoggerMessage(6020, LogLevel.Information, "Audit table {Table} is ready (schema created or checked)")]
    public static partial void SchemaReady(ILogger logger, string table);

    [LoggerMessage(5030, LogLevel.Information, "Audit verification of the {Store} store started")]
    public static partial void VerifyStarted(ILogger logger, string store);

    [LoggerMessage(5031, LogLevel.Information, "Audit verification of the {Store} store finished: valid {Valid}, {Records} records checked in {DurationMs} ms")]
    public static partial void Verified(ILogger logger, string store, bool valid, long records, double durationMs);

    [LoggerMessage(5032, LogLevel.Information, "Audit export: {Written} of {Total} matching records written")]
    public static partial void Exported(ILogger logger, int written, long total);
}
