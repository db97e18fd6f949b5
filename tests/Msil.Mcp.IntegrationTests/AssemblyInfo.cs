// The reference-server hosts of these tests share one process, and each host's OpenTelemetry meter provider listens to
// every meter of the process with the Msil names. Once, with other test classes' hosts starting and stopping at the
// same time, the shared fixture's scrape held none of its own tool metrics for 10 s. One host runs at a time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
