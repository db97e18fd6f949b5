namespace Msil.Mcp.Registry.OpenApi;

/// <summary>The codes of <see cref="CompileDiagnostic"/> and <see cref="LintFinding"/>; listed in their XML docs too.</summary>
internal static class CompileCodes
{
    public const string DocumentTooLarge = "document-too-large";
    public const string DocumentUnreadable = "document-unreadable";
    public const string ReaderMessage = "reader-message";
    public const string OperationFailed = "operation-failed";
    public const string UnsupportedContentType = "unsupported-content-type";
    public const string RequestBodyIgnored = "request-body-ignored";
    public const string ReferenceUnresolved = "reference-unresolved";
    public const string ParameterIgnored = "parameter-ignored";
    public const string PathParameterAdded = "path-parameter-added";
    public const string ArgumentRenamed = "argument-renamed";
    public const string RiskLevelInvalid = "risk-level-invalid";
    public const string SchemaTooLarge = "schema-too-large";
    public const string OutputSchemaDropped = "output-schema-dropped";
    public const string BudgetExhausted = "budget-exhausted";
    public const string McpHeaderInvalid = "mcp-header-invalid";
    public const string XmlRootNameMissing = "xml-root-name-missing";
    public const string SelectionRuleUnmatched = "selection-rule-unmatched";

    public const string LintDescriptionMissing = "description-missing";
    public const string LintDescriptionShort = "description-short";
    public const string LintParametersUndocumented = "parameters-undocumented";
    public const string LintNameChanged = "name-changed";
    public const string LintInputSchemaLarge = "input-schema-large";
    public const string LintOutputSchemaLarge = "output-schema-large";
    public const string LintSchemaDepthCapped = "schema-depth-capped";
    public const string LintOperationDeprecated = "operation-deprecated";
    public const string LintSecurityUnsatisfiable = "security-unsatisfiable";
    public const string LintSchemaBudget = "schema-budget";
}
