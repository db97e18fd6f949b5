using System.Globalization;

namespace Msil.Mcp.Browser.Tests.Infrastructure;

/// <summary>
/// Small OpenAPI documents the scenarios import, each under its own source and with its own operation names, so that
/// the tests share a server without touching each other's tools (or the sample backend's).
/// </summary>
public static class TestSpecs
{
    /// <summary>An OpenAPI 3.1 document with one GET operation.</summary>
    /// <param name="operationId">The operation id (the tool is its snake_case form).</param>
    /// <param name="summary">The operation's summary (the tool's description).</param>
    /// <param name="riskLevel">The <c>x-mcp-risk-level</c>, or <see langword="null"/> to let the method decide.</param>
    /// <param name="method">The HTTP method.</param>
    /// <returns>The document (JSON).</returns>
    public static string OneOperation(string operationId, string summary, string? riskLevel = null, string method = "get")
    {
        var risk = riskLevel is null ? string.Empty : $", \"x-mcp-risk-level\": \"{riskLevel}\"";
        var path = "/v1/browser-tests/" + operationId.ToLowerInvariant();
        return string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "openapi": "3.1.0",
              "info": { "title": "Browser test API ({{operationId}})", "version": "1.0.0" },
              "servers": [ { "url": "/backend" } ],
              "paths": {
                "{{path}}": {
                  "{{method}}": {
                    "operationId": "{{operationId}}",
                    "summary": "{{summary}}"{{risk}},
                    "parameters": [
                      { "name": "region", "in": "query", "required": false, "description": "Region code.", "schema": { "type": "string", "maxLength": 16 } }
                    ],
                    "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } } }
                  }
                }
              }
            }
            """);
    }
}
