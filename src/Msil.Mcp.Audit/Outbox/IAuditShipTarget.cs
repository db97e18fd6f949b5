namespace Msil.Mcp.Audit.Outbox;

/// <summary>A place the outbox ships to. Shipping the same records twice must leave the target as if shipped once.</summary>
internal interface IAuditShipTarget
{
    /// <summary>Gets the target's name, used in the checkpoint file, metrics and logs: <c>postgresql</c> or <c>s3</c>.</summary>
    string Name { get; }

    /// <summary>Gets whether the target is configured.</summary>
    bool Enabled { get; }

    /// <summary>Gets a fingerprint of where the target writes, without secrets.</summary>
    string Fingerprint { get; }

    /// <summary>Gets the most records in one shipment.</summary>
    int BatchMaxRecords { get; }

    /// <summary>Gets how long the oldest record may wait for a fuller batch (zero: ship at once).</summary>
    TimeSpan BatchMaxAge { get; }

    /// <summary>
    /// Prepares the target (schema, reconciliation) and returns where shipping resumes: <paramref name="checkpoint"/>,
    /// or further on when the target already holds later records of the chain; and, when an interrupted shipment must be
    /// repeated with the same boundaries, the record the next batch must end at.
    /// </summary>
    Task<(ShipPosition Position, long? BatchEnd)> InitializeAsync(string chainId, ShipPosition checkpoint, CancellationToken cancellationToken);

    /// <summary>Ships <paramref name="batch"/>, which continues the chain after <paramref name="previous"/>; returns the new position.</summary>
    Task<ShipPosition> ShipAsync(string chainId, IReadOnlyList<ChainedRecord> batch, ShipPosition previous, CancellationToken cancellationToken);
}
