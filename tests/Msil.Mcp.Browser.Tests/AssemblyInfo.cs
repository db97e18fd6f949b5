// One reference server and one Chromium serve every test of this assembly (see ConsoleFixture); the tests run one at
// a time, each in a fresh browser context, so that the whole project stays within a few minutes on two cores.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
