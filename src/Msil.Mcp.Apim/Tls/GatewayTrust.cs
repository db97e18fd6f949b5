using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Apim.Tls;

/// <summary>
/// Validates a gateway's server certificate against the CA bundle configured for it (and only that bundle). The bundle is
/// read again for each new TLS connection and reloaded when its content changed.
/// </summary>
internal sealed class GatewayTrust(string caPath, string gateway, ILogger logger)
{
    private readonly Lock _lock = new();
    private byte[] _bytes = [];
    private X509Certificate2Collection _roots = [];

    /// <summary>Loads the certificates of a PEM bundle.</summary>
    /// <exception cref="CryptographicException">The file holds no certificate.</exception>
    public static X509Certificate2Collection Load(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        if (roots.Count == 0)
        {
            throw new CryptographicException("The CA bundle holds no certificate.");
        }

        return roots;
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            Log.ServerCertificateRejected(logger, gateway, errors.ToString());
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Roots());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            if (chain.Build(leaf))
            {
                return true;
            }

            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()));
            Log.ServerCertificateRejected(logger, gateway, status);
            return false;
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }

    private X509Certificate2Collection Roots()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(caPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CaBundleUnreadable(logger, gateway, ex.GetType().Name);
            return Volatile.Read(ref _roots);
        }

        lock (_lock)
        {
            if (_roots.Count > 0 && bytes.AsSpan().SequenceEqual(_bytes))
            {
                return _roots;
            }

            try
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
                if (roots.Count == 0)
                {
                    throw new CryptographicException("The CA bundle holds no certificate.");
                }

                _bytes = bytes;
                Volatile.Write(ref _roots, roots);
                Log.CaBundleLoaded(logger, gateway, roots.Count);
            }
            catch (CryptographicException ex)
            {
                Log.CaBundleInvalid(logger, gateway, ex.GetType().Name);
            }

            return _roots;
        }
    }
}
