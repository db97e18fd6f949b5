using Microsoft.Extensions.Options;

namespace Msil.Mcp.Hosting;

/// <summary>Validates <see cref="MsilMcpOptions"/> at start (source-generated from its DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class MsilMcpOptionsValidator : IValidateOptions<MsilMcpOptions>;
