using Microsoft.Extensions.Compliance.Classification;

namespace Msil.Mcp.Audit;

/// <summary>
/// The data classifications the audit redactor asks Microsoft.Extensions.Compliance to redact. Configure the redactor
/// of each with <c>services.AddRedaction(b =&gt; b.SetRedactor&lt;…&gt;(MsilDataClassifications.Secret))</c>, for
/// example an HMAC redactor for <see cref="Personal"/> so that investigators can correlate values without reading them.
/// </summary>
public static class MsilDataClassifications
{
    /// <summary>The taxonomy name of these classifications.</summary>
    public const string TaxonomyName = "Msil";

    /// <summary>Gets the classification of secrets (passwords, keys, tokens): never recorded in any form that can be reversed.</summary>
    public static DataClassification Secret { get; } = new(TaxonomyName, "Secret");

    /// <summary>Gets the classification of personal data (e-mail addresses, phone numbers, identity numbers).</summary>
    public static DataClassification Personal { get; } = new(TaxonomyName, "Personal");
}
