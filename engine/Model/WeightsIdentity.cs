using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CnnEngine.Model;

/// <summary>
/// Which weights produced a result: the model, where they came from, and a sha256 — of the file for weights read
/// from a file, of the values themselves (layer order, kernel then bias, float32 little-endian) for in-memory ones
/// (seeded random weights, test arrays). Results that record it (features checkpoints, merge parts) refuse to be
/// mixed with results of other weights.
/// </summary>
public sealed record WeightsIdentity(string Model, string Source, string Sha256, bool IncludesTop)
{
    public const string Vgg16 = "vgg16";

    private static readonly ConditionalWeakTable<Vgg16Weights, WeightsIdentity> Cache = new();

    /// <summary>The identity of <paramref name="weights"/> (hashed once per instance: a 553 MB file takes about a second).</summary>
    public static WeightsIdentity Of(Vgg16Weights weights) => Cache.GetValue(weights, Compute);

    private static WeightsIdentity Compute(Vgg16Weights weights)
    {
        string sha;
        if (!weights.IsRandom && File.Exists(weights.Source))
        {
            using var stream = new FileStream(weights.Source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        else
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var layer in weights.Layers)
            {
                if (!layer.HasWeights) continue;
                var w = weights[layer.Name];
                hash.AppendData(MemoryMarshal.AsBytes(w.Kernel.Span));
                hash.AppendData(MemoryMarshal.AsBytes(w.Bias.Span));
            }
            sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        return new WeightsIdentity(Vgg16, weights.Source, sha, weights.HasTop);
    }

    /// <summary>"vgg16 weights /path/file.h5 (sha256 …)", for messages.</summary>
    public override string ToString() => $"{Model} weights {Source} (sha256 {Sha256})";
}
