using BenchmarkDotNet.Running;

// build/bench.sh runs this with BenchmarkDotNet's arguments, e.g. --filter '*Policy*'.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
