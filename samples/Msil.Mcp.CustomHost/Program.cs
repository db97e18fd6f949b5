using Msil.Mcp.CustomHost;

await CustomHostApp.Create(args).RunAsync();
