// The admin console as its own process, against a separately started MCP server (Msil:Mcp:Admin:ServerUrl) and its
// OIDC issuer (Msil:Mcp:Admin:Authority). With no configuration: the reference server on http://127.0.0.1:5100.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(builder.Configuration["urls"]) ? "http://127.0.0.1:5200" : builder.Configuration["urls"]!);
builder.Services.AddMsilMcpAdmin();

var app = builder.Build();
app.MapGet("/", () => Results.Redirect("/admin/")).ExcludeFromDescription();
app.MapMsilMcpAdmin("/admin");
app.Lifetime.ApplicationStarted.Register(() =>
{
    var address = app.Urls.FirstOrDefault() ?? "http://127.0.0.1:5200";
    Console.WriteLine($"Msil.Mcp admin console: {address}/admin/ (server {app.Configuration["Msil:Mcp:Admin:ServerUrl"]})");
});
app.Run();
