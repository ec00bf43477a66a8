using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace CnnEngine.Model.Cnn;

/// <summary>
/// The identity of a user's model for results that must not be mixed (features checkpoints and shards): SHA-256 over
/// what the forward computes — the input shape, every layer's name, class, shapes, window and activation, and every
/// weight as loaded (after BatchNormalization folding). The same network saved as .h5 or .keras is the same identity;
/// one changed weight is another.
/// </summary>
public static class CnnModelIdentity
{
    private static readonly ConditionalWeakTable<CnnModel, WeightsIdentity> Cache = new();

    public static WeightsIdentity Of(CnnModel model) => Cache.GetValue(model, Compute);

    private static WeightsIdentity Compute(CnnModel model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string s) => hash.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        void Floats(float[] values) { Text(values.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)); hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan())); }
        Text($"input {model.Input}");
        foreach (var layer in model.Layers)
        {
            Text($"{layer.Name} {layer.KerasClass} {layer.Input} {layer.Output} {layer.GetType().Name}");
            switch (layer)
            {
                case ConvLayer c: Text($"{c.Window} {c.Activation}"); Floats(c.Kernel); Floats(c.Bias); break;
                case DenseLayer d: Text($"{d.Activation}"); Floats(d.Kernel); Floats(d.Bias); break;
                case PoolLayer p: Text($"{p.IsMax} {p.Window}"); break;
                case ActivationLayer a: Text($"{a.Activation}"); break;
                case AffineLayer a: Floats(a.Scale); Floats(a.Shift); break;
                case ZeroPaddingLayer z: Text($"{z.Top} {z.Bottom} {z.Left} {z.Right}"); break;
                case GlobalPoolLayer g: Text($"{g.IsMax}"); break;
            }
        }
        string sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        return new WeightsIdentity("keras:" + model.Name, model.Source, sha, model.ClassCount is not null);
    }
}
