namespace CnnEngine.Model.Cnn;

/// <summary>
/// Receptive field of one axis of a layer's units, in input pixels (Araujo et al., "Computing receptive fields of
/// CNNs"): side <see cref="Size"/>, distance between neighbouring units' centers <see cref="Jump"/>, center of unit 0
/// <see cref="Start"/> (pixel k's center is k; may lie outside the image when padding is involved).
/// A window of k with stride s and p pixels of padding before: size += (k − 1)·jump, start += ((k − 1)/2 − p)·jump,
/// jump *= s. ZeroPadding2D moves start back by its padding; a global pool or a dense layer sees the whole input.
/// Like every such formula it treats padding as more units: where a unit's window reaches padding somewhere below,
/// its span (clamped to the image) can be larger than the pixels it really reads, never smaller.
/// </summary>
public readonly record struct AxisField(int Size, int Jump, double Start)
{
    public double Center(int unit) => Start + unit * Jump;

    /// <summary>Input pixels [first, last] the unit reads, clamped to the image of side <paramref name="side"/>.</summary>
    public (int First, int Last) Span(int unit, int side)
    {
        double c = Center(unit);
        return (Math.Max(0, (int)Math.Ceiling(c - (Size - 1) / 2.0)), Math.Min(side - 1, (int)Math.Floor(c + (Size - 1) / 2.0)));
    }

    public AxisField Window(int kernel, int stride, int padBefore) =>
        new(Size + (kernel - 1) * Jump, Jump * stride, Start + ((kernel - 1) / 2.0 - padBefore) * Jump);
}

/// <summary>The receptive field of every layer of a <see cref="CnnModel"/>, per axis, from its real kernels, strides and padding.</summary>
public sealed record LayerField(AxisField Y, AxisField X);

public static class ReceptiveFields
{
    public static IReadOnlyDictionary<string, LayerField> Of(CnnModel model)
    {
        var result = new Dictionary<string, LayerField>();
        var y = new AxisField(1, 1, 0);
        var x = new AxisField(1, 1, 0);
        foreach (var layer in model.Layers)
        {
            switch (layer)
            {
                case ConvLayer c:
                    y = y.Window(c.Window.KernelH, c.Window.StrideH, c.Window.PadTop);
                    x = x.Window(c.Window.KernelW, c.Window.StrideW, c.Window.PadLeft);
                    break;
                case PoolLayer p:
                    y = y.Window(p.Window.KernelH, p.Window.StrideH, p.Window.PadTop);
                    x = x.Window(p.Window.KernelW, p.Window.StrideW, p.Window.PadLeft);
                    break;
                case ZeroPaddingLayer z:
                    y = y with { Start = y.Start - z.Top * y.Jump };
                    x = x with { Start = x.Start - z.Left * x.Jump };
                    break;
                case GlobalPoolLayer or FlattenLayer or DenseLayer:
                    // Every unit sees every input pixel: one window as large as the current map.
                    y = y.Window(layer.Input.Flat ? 1 : layer.Input.Height, 1, 0);
                    x = x.Window(layer.Input.Flat ? 1 : layer.Input.Width, 1, 0);
                    break;
            }
            result[layer.Name] = new LayerField(y, x);
        }
        return result;
    }
}
