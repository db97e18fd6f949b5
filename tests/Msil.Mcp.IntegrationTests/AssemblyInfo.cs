// The reference-server hosts of these tests share one process, and OpenTelemetry's meter provider of each host listens
// to every meter of the process by name: a host started by another test class at the same time registers the same
// instruments first, and the Prometheus scrape of the shared fixture then missed its own tool metrics (seen in CI).
// One host runs at a time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
