using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Apim.Tls;

/// <summary>
/// The client certificate of one gateway, read from PEM files. The files are read again for every new TLS connection;
/// when their content changed (a rotation), the new certificate is loaded and presented from then on. A half-written
/// pair that does not load keeps the previous certificate in use and is tried again on the next connection.
/// </summary>
internal sealed class ClientCertificateSource(string certificatePath, string? keyPath, string gateway, ILogger logger)
{
    private readonly Lock _lock = new();
    private byte[] _certificateBytes = [];
    private byte[] _keyBytes = [];
    private X509Certificate2? _current;

    /// <summary>Gets the certificate to present now, or <see langword="null"/> when none could ever be loaded.</summary>
    public X509Certificate2? Current
    {
        get
        {
            Refresh();
            return Volatile.Read(ref _current);
        }
    }

    /// <summary>Loads a certificate and its key from PEM text; the key may be in the certificate's file.</summary>
    /// <exception cref="CryptographicException">The PEM does not hold a certificate with a matching private key.</exception>
    public static X509Certificate2 Load(ReadOnlySpan<byte> certificatePem, ReadOnlySpan<byte> keyPem)
    {
        var certificateText = Encoding.ASCII.GetString(certificatePem);
        var keyText = keyPem.IsEmpty ? certificateText : Encoding.ASCII.GetString(keyPem);
        var certificate = X509Certificate2.CreateFromPem(certificateText, keyText);
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }

        // SChannel cannot use an ephemeral key: round-trip through PKCS#12 so the key is usable for TLS.
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }

    private void Refresh()
    {
        byte[] certificate;
        byte[] key;
        try
        {
            certificate = File.ReadAllBytes(certificatePath);
            key = keyPath is null ? [] : File.ReadAllBytes(keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.ClientCertificateUnreadable(logger, gateway, ex.GetType().Name);
            return;
        }

        lock (_lock)
        {
            if (_current is not null && certificate.AsSpan().SequenceEqual(_certificateBytes) && key.AsSpan().SequenceEqual(_keyBytes))
            {
                return;
            }

            X509Certificate2 loaded;
            try
            {
                loaded = Load(certificate, key);
            }
            catch (CryptographicException ex)
            {
                // Keep presenting the previous certificate: the rotation may be half-way (certificate written, key not yet).
                Log.ClientCertificateInvalid(logger, gateway, ex.GetType().Name);
                return;
            }

            var previous = _current;
            _certificateBytes = certificate;
            _keyBytes = key;
            Volatile.Write(ref _current, loaded);
            Log.ClientCertificateLoaded(logger, gateway, loaded.Subject, loaded.Thumbprint, loaded.NotAfter, previous is not null);
        }
    }
}
