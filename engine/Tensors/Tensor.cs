namespace CnnEngine.Tensors;

/// <summary>
/// A dense float32 array in row-major (C) order with an explicit shape.
/// Activations are always (N, H, W, C) — channels last, exactly what Keras returns —
/// so a tap's output can be written to .npy without any transposition.
/// </summary>
public sealed class Tensor
{
    public int[] Shape { get; }
    public float[] Data { get; }

    public Tensor(params int[] shape)
    {
        Shape = (int[])shape.Clone();
        Data = new float[checked((int)ShapeMath.Product(shape))];
    }

    public Tensor(float[] data, params int[] shape)
    {
        if (ShapeMath.Product(shape) != data.Length)
            throw new ArgumentException($"data has {data.Length} elements but shape {ShapeMath.Format(shape)} needs {ShapeMath.Product(shape)}");
        Shape = (int[])shape.Clone();
        Data = data;
    }

    public int Rank => Shape.Length;
    public long Length => Data.Length;
    public override string ToString() => $"Tensor{ShapeMath.Format(Shape)}";

    /// <summary>One image of an (N, H, W, C) batch as a span over (H, W, C).</summary>
    public Span<float> Image(int n)
    {
        int per = Data.Length / Shape[0];
        return Data.AsSpan(n * per, per);
    }
}

/// <summary>A dense int32 array, row-major. Used for pool switches, shaped (N, H', W', C).</summary>
public sealed class IntTensor
{
    public int[] Shape { get; }
    public int[] Data { get; }

    public IntTensor(params int[] shape)
    {
        Shape = (int[])shape.Clone();
        Data = new int[checked((int)ShapeMath.Product(shape))];
    }

    public IntTensor(int[] data, params int[] shape)
    {
        if (ShapeMath.Product(shape) != data.Length)
            throw new ArgumentException($"data has {data.Length} elements but shape {ShapeMath.Format(shape)} needs {ShapeMath.Product(shape)}");
        Shape = (int[])shape.Clone();
        Data = data;
    }

    public override string ToString() => $"IntTensor{ShapeMath.Format(Shape)}";

    public Span<int> Image(int n)
    {
        int per = Data.Length / Shape[0];
        return Data.AsSpan(n * per, per);
    }
}

public static class ShapeMath
{
    public static long Product(ReadOnlySpan<int> shape)
    {
        long p = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException("negative dimension");
            p *= d;
        }
        return p;
    }

    /// <summary>Formats a shape the way numpy prints it: (1, 224, 224, 3).</summary>
    public static string Format(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1) return $"({shape[0]},)";
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + ")";
    }
}
