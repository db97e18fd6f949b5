namespace Msil.Mcp.Validation;

/// <summary>One reason why a tool's arguments do not conform to the tool's input schema.</summary>
/// <param name="Path">
/// The argument as a user would name it, such as <c>dealer_id</c>, <c>customer.email</c> or <c>items[2].quantity</c>;
/// the whole argument object is <c>(arguments)</c>.
/// </param>
/// <param name="Message">What is wrong and what is expected, such as <c>must be an integer, but is a string</c>.</param>
internal readonly record struct SchemaViolation(string Path, string Message)
{
    /// <summary>Returns <c>path: message</c>.</summary>
    /// <returns>The violation as one line of text.</returns>
    public override string ToString() => Path + ": " + Message;
}
