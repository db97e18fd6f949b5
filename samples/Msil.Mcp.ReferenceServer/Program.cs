using Msil.Mcp.ReferenceServer;

// A configuration mistake ends the process with one line per problem (KEY: what is wrong; how to fix) and exit code 1.
return await MsilMcpHostExtensions.RunMsilMcpAsync(() => ReferenceServerApp.Create(args));
