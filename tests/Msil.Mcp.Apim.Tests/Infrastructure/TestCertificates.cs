using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Msil.Mcp.Apim.Tests.Infrastructure;

/// <summary>Certificates made in the test: CAs, a server certificate for 127.0.0.1/localhost and client certificates, written as PEM files.</summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public TestCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "msil-apim-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Ca = CreateCa("Msil Test CA");
        OtherCa = CreateCa("Someone Else's CA");
        Server = Issue(Ca, "localhost", server: true);
        CaPath = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(CaPath, Ca.ExportCertificatePem());
        OtherCaPath = Path.Combine(Directory, "other-ca.pem");
        File.WriteAllText(OtherCaPath, OtherCa.ExportCertificatePem());
        ClientCertificatePath = Path.Combine(Directory, "client.pem");
        ClientKeyPath = Path.Combine(Directory, "client.key");
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 OtherCa { get; }

    public X509Certificate2 Server { get; }

    public string CaPath { get; }

    public string OtherCaPath { get; }

    public string ClientCertificatePath { get; }

    public string ClientKeyPath { get; }

    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>Issues a client certificate from <paramref name="issuer"/> and writes it (and its key) to the client PEM paths.</summary>
    public X509Certificate2 WriteClientCertificate(X509Certificate2 issuer, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certificate = IssueWith(issuer, name, server: false, key);
        File.WriteAllText(ClientCertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(ClientKeyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }

    public void Dispose()
    {
        Ca.Dispose();
        OtherCa.Dispose();
        Server.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(Now.AddDays(-1), Now.AddYears(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string name, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return IssueWith(issuer, name, server, key).CopyWithPrivateKey(key);
    }

    private static X509Certificate2 IssueWith(X509Certificate2 issuer, string name, bool server, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([server ? ServerAuth : ClientAuth], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return request.Create(issuer, Now.AddDays(-1), Now.AddDays(30), serial);
    }
}
