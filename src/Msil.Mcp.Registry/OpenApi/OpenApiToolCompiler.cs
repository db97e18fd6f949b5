using System.Buffers;
using System.Text;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Compiles an OpenAPI document (2.0, 3.0 or 3.1; JSON or YAML) into governed tool definitions, one per operation.</summary>
/// <remarks>
/// <para>
/// The compiler never throws for a bad document: a document it cannot read gives a compilation with
/// <see cref="OpenApiCompilation.Succeeded"/> <see langword="false"/> and an error diagnostic, and an operation it cannot
/// compile is reported and skipped. It fetches nothing: external <c>$ref</c> targets are reported as unresolved.
/// </para>
/// <para>
/// Names are the operation ids in snake_case (<c>getDealerEnquiries</c> → <c>get_dealer_enquiries</c>), or the method and
/// path when there is no id (<c>GET /v1/dealers/{id}</c> → <c>get_v1_dealers_by_id</c>), at most 64 characters (longer
/// names keep 57 characters and get <c>_</c> plus 6 hex digits of their SHA-256). Operations are named in path and method
/// order, those with an operation id first; a name already taken gets <c>_</c> plus 6 hex digits of the SHA-256 of the
/// operation key (<c>GET /path</c>). Compiling the same document again gives the same names and content hashes.
/// </para>
/// <para>
/// The input schema is one JSON Schema object of the path, query, header and cookie parameters and the request body.
/// The properties of an object body become top-level arguments; any other body becomes one argument, <c>body</c>.
/// Request bodies are read in this order of preference: JSON (<c>application/json</c>, <c>*/*+json</c>, <c>*/*</c>),
/// <c>application/x-www-form-urlencoded</c>, <c>multipart/form-data</c>, XML (<c>application/xml</c>, <c>text/xml</c>,
/// <c>*/*+xml</c>: arguments as for JSON, plus the <see cref="HttpBinding.BodyXml"/> mapping from the schemas' <c>xml</c>
/// objects), <c>text/plain</c> (one string argument) and <c>application/octet-stream</c> (one base64 string argument).
/// An XML answer whose schema is an object or an array gets a <see cref="HttpBinding.ResponseXml"/> mapping. The
/// operation's <c>security</c> (else the document's) gives <see cref="ToolDefinition.RequiredScopes"/> and
/// <see cref="HttpBinding.Credentials"/>.
/// When a body property has the name of a parameter, the body property's argument is named <c>body_&lt;name&gt;</c> and its
/// <see cref="HttpParameterBinding"/> keeps the property's wire name.
/// </para>
/// <para>Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class OpenApiToolCompiler
{
    private readonly CompilerSettings _settings;

    /// <summary>Initializes a new instance of the <see cref="OpenApiToolCompiler"/> class with the default options.</summary>
    public OpenApiToolCompiler()
        : this(new OpenApiCompilerOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OpenApiToolCompiler"/> class.</summary>
    /// <param name="options">The options; the compiler keeps a copy of their current values.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="ArgumentException">
    /// <see cref="OpenApiCompilerOptions.ExecutorKind"/> is empty, or a rule of <see cref="OpenApiCompilerOptions.Select"/>
    /// is not valid (an unknown HTTP method or risk level, an empty value).
    /// </exception>
    public OpenApiToolCompiler(OpenApiCompilerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDescriptionLength, 16, "options.MaxDescriptionLength");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDocumentBytes, 1, "options.MaxDocumentBytes");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxToolSchemaBytes, 1024, "options.MaxToolSchemaBytes");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSchemaDepth, 1, "options.MaxSchemaDepth");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxSchemaDepth, 256, "options.MaxSchemaDepth");
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ExecutorKind, "options.ExecutorKind");
        _settings = new CompilerSettings(
            options.MaxDescriptionLength,
            options.MaxToolSchemaBytes,
            options.MaxDocumentBytes,
            options.MaxSchemaDepth,
            options.ExecutorKind,
            options.Gateway,
            options.Audience,
            [.. options.AllowedExternalHosts],
            OperationSelector.Create(options.Select));
    }

    /// <summary>Compiles the document read from <paramref name="document"/>.</summary>
    /// <param name="document">The document; read synchronously to its end, or until it exceeds <see cref="OpenApiCompilerOptions.MaxDocumentBytes"/>.</param>
    /// <param name="sourceName">A name for the document (its file name, for example); tools get <c>openapi:&lt;sourceName&gt;</c> as their source.</param>
    /// <returns>The compilation; check <see cref="OpenApiCompilation.Succeeded"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> or <paramref name="sourceName"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="sourceName"/> is empty or white space.</exception>
    public OpenApiCompilation Compile(Stream document, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);

        byte[]? bytes;
        try
        {
            bytes = ReadBounded(document);
        }
        catch (Exception ex) when (ex is IOException or NotSupportedException or ObjectDisposedException or InvalidOperationException)
        {
            return DocumentCompiler.Failed(sourceName, CompileCodes.DocumentUnreadable, "The document stream cannot be read: " + ex.Message);
        }

        return bytes is null ? TooLarge(sourceName) : CompileBytes(bytes, sourceName);
    }

    /// <summary>Compiles the document read asynchronously from <paramref name="document"/> (for example an HTTP request body).</summary>
    /// <param name="document">The document; read to its end, or until it exceeds <see cref="OpenApiCompilerOptions.MaxDocumentBytes"/>.</param>
    /// <param name="sourceName">A name for the document; tools get <c>openapi:&lt;sourceName&gt;</c> as their source.</param>
    /// <param name="cancellationToken">Cancels reading the stream.</param>
    /// <returns>The compilation; check <see cref="OpenApiCompilation.Succeeded"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> or <paramref name="sourceName"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="sourceName"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while reading.</exception>
    public async Task<OpenApiCompilation> CompileAsync(Stream document, string sourceName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);

        byte[]? bytes;
        try
        {
            bytes = await ReadBoundedAsync(document, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or NotSupportedException or ObjectDisposedException or InvalidOperationException)
        {
            return DocumentCompiler.Failed(sourceName, CompileCodes.DocumentUnreadable, "The document stream cannot be read: " + ex.Message);
        }

        return bytes is null ? TooLarge(sourceName) : CompileBytes(bytes, sourceName);
    }

    /// <summary>Compiles the document held in <paramref name="text"/>.</summary>
    /// <param name="text">The document text (JSON or YAML).</param>
    /// <param name="sourceName">A name for the document; tools get <c>openapi:&lt;sourceName&gt;</c> as their source.</param>
    /// <returns>The compilation; check <see cref="OpenApiCompilation.Succeeded"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> or <paramref name="sourceName"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="sourceName"/> is empty or white space.</exception>
    public OpenApiCompilation Compile(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);

        // Every UTF-16 code unit takes at most 3 UTF-8 bytes; count exactly only when that bound is over the limit.
        if ((long)text.Length * 3 > _settings.MaxDocumentBytes && Encoding.UTF8.GetByteCount(text) > _settings.MaxDocumentBytes)
        {
            return TooLarge(sourceName);
        }

        return CompileBytes(Encoding.UTF8.GetBytes(text), sourceName);
    }

    private OpenApiCompilation CompileBytes(byte[] bytes, string sourceName)
    {
        try
        {
            return new DocumentCompiler(_settings, sourceName).Compile(bytes);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A defect in the compiler, not in the document; still report it rather than throw.
            return DocumentCompiler.Failed(sourceName, CompileCodes.DocumentUnreadable,
                $"The document could not be compiled: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private OpenApiCompilation TooLarge(string sourceName) =>
        DocumentCompiler.Failed(sourceName, CompileCodes.DocumentTooLarge,
            $"The document is larger than MaxDocumentBytes ({_settings.MaxDocumentBytes} bytes); it was not parsed.");

    /// <returns>The bytes, or <see langword="null"/> when the stream holds more than the limit.</returns>
    private byte[]? ReadBounded(Stream stream)
    {
        if (RemainingExceedsLimit(stream))
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(InitialCapacity(stream));
        while (true)
        {
            var span = buffer.GetSpan(81920);
            var read = stream.Read(span);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > _settings.MaxDocumentBytes)
            {
                return null;
            }
        }
    }

    private async Task<byte[]?> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (RemainingExceedsLimit(stream))
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(InitialCapacity(stream));
        while (true)
        {
            var memory = buffer.GetMemory(81920);
            var read = await stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > _settings.MaxDocumentBytes)
            {
                return null;
            }
        }
    }

    private bool RemainingExceedsLimit(Stream stream) =>
        stream.CanSeek && stream.Length - stream.Position > _settings.MaxDocumentBytes;

    private int InitialCapacity(Stream stream) =>
        stream.CanSeek ? (int)Math.Clamp(stream.Length - stream.Position + 1, 1, Math.Min(_settings.MaxDocumentBytes + 1, int.MaxValue)) : 64 * 1024;
}
