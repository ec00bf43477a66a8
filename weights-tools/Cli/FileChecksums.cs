using System.Security.Cryptography;

namespace CnnEngine.WeightsTools.Cli;

/// <summary>md5 and sha256 of a file in one sequential pass.</summary>
public static class FileChecksums
{
    public static (string Md5, string Sha256) Compute(string path)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[4 << 20];
        int n;
        while ((n = fs.Read(buffer, 0, buffer.Length)) > 0)
        {
            md5.AppendData(buffer, 0, n);
            sha.AppendData(buffer, 0, n);
        }
        return (Hex(md5.GetHashAndReset()), Hex(sha.GetHashAndReset()));
    }

    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();
}
