using Msil.Mcp.ReferenceServer;

await ReferenceServerApp.Create(args).RunAsync();
