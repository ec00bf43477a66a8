using CnnEngine.Model.Cnn;
using CnnEngine.Ops;

namespace CnnEngine.Tests.Ops.General;

/// <summary>
/// Receptive fields from the real kernel / stride / padding chain against brute force: for every unit of every layer of
/// small chains (odd kernels, even kernels with 'same' asymmetric padding, strides 2 and 3, zero padding), walk the
/// windows back to the input and take the span of input pixels actually read; the formula's span must be exactly it.
/// Where padding enters a unit's window somewhere below, the formula (which counts virtual units in the padding) may
/// only be larger than the brute-force span; units made only of zero padding read no input pixel and are not compared.
/// </summary>
public class ReceptiveFieldTests
{
    private static ConvLayer Conv(string name, FeatureShape input, int k, int s, bool same)
    {
        var w = Window2D.For(input.Height, input.Width, k, k, s, s, same);
        return new ConvLayer
        {
            Name = name, KerasClass = "Conv2D", Input = input, Window = w, Kernel = new float[k * k], Bias = new float[1],
            Activation = ActivationFunction.Linear, Output = FeatureShape.Map(w.OutHeight(input.Height), w.OutWidth(input.Width), 1),
        };
    }

    private static PoolLayer Pool(string name, FeatureShape input, int k, int s, bool same)
    {
        var w = Window2D.For(input.Height, input.Width, k, k, s, s, same);
        return new PoolLayer
        {
            Name = name, KerasClass = "MaxPooling2D", Input = input, Window = w, IsMax = true,
            Output = FeatureShape.Map(w.OutHeight(input.Height), w.OutWidth(input.Width), 1),
        };
    }

    private static ZeroPaddingLayer Pad(string name, FeatureShape input, int t, int l) => new()
    {
        Name = name, KerasClass = "ZeroPadding2D", Input = input, Top = t, Bottom = 0, Left = l, Right = 1,
        Output = FeatureShape.Map(input.Height + t, input.Width + l + 1, 1),
    };

    /// <summary>Input rows (a 1-D walk is enough: the axes are independent) that unit <paramref name="unit"/> of layer <paramref name="upTo"/> reads.</summary>
    private static (int First, int Last)? BruteForce(IReadOnlyList<CnnLayer> layers, int upTo, int unit, int inputSide, out bool padded)
    {
        padded = false;
        var rows = new HashSet<int> { unit };
        for (int i = upTo; i >= 0; i--)
        {
            var next = new HashSet<int>();
            var layer = layers[i];
            foreach (int r in rows)
            {
                switch (layer)
                {
                    case ConvLayer c: padded |= Add(next, r, c.Window.KernelH, c.Window.StrideH, c.Window.PadTop, layer.Input.Height); break;
                    case PoolLayer p: padded |= Add(next, r, p.Window.KernelH, p.Window.StrideH, p.Window.PadTop, layer.Input.Height); break;
                    case ZeroPaddingLayer z:
                        if (r - z.Top >= 0 && r - z.Top < layer.Input.Height) next.Add(r - z.Top);
                        else padded = true;
                        break;
                }
            }
            rows = next;
        }
        if (rows.Count == 0) return null; // a unit of pure zero padding: no input pixel reaches it
        Assert.True(rows.Max() < inputSide);
        return (rows.Min(), rows.Max());
    }

    /// <summary>Adds the rows window r reads; true when part of it hangs over the border (padding).</summary>
    private static bool Add(HashSet<int> set, int r, int k, int s, int pad, int side)
    {
        bool padded = false;
        for (int j = 0; j < k; j++)
        {
            int y = r * s - pad + j;
            if (y >= 0 && y < side) set.Add(y);
            else padded = true;
        }
        return padded;
    }

    [Fact]
    public void FormulaSpansEqualBruteForceSpans()
    {
        var chains = new List<Func<FeatureShape, List<CnnLayer>>>
        {
            s => { var l = new List<CnnLayer> { Conv("a", s, 5, 2, false) }; l.Add(Conv("b", l[^1].Output, 4, 2, true)); l.Add(Pool("p", l[^1].Output, 3, 2, true)); l.Add(Conv("c", l[^1].Output, 5, 2, true)); return l; },
            s => { var l = new List<CnnLayer> { Conv("a", s, 2, 1, false) }; l.Add(Conv("b", l[^1].Output, 2, 1, false)); l.Add(Pool("p", l[^1].Output, 2, 2, false)); l.Add(Pool("q", l[^1].Output, 1, 1, false)); return l; },
            s => { var l = new List<CnnLayer> { Conv("a", s, 3, 1, true) }; l.Add(Pool("p", l[^1].Output, 2, 2, false)); l.Add(Pad("z", l[^1].Output, 2, 1)); l.Add(Conv("b", l[^1].Output, 3, 3, false)); l.Add(Pool("q", l[^1].Output, 2, 2, true)); return l; },
        };
        int compared = 0, paddingOnly = 0, exact = 0;
        foreach (int side in new[] { 37, 48, 64 })
        foreach (var chain in chains)
        {
            var input = FeatureShape.Map(side, side, 1);
            var layers = chain(input);
            var model = new CnnModel("t", "test", input, layers, Array.Empty<string>());
            var fields = ReceptiveFields.Of(model);
            for (int i = 0; i < layers.Count; i++)
            {
                var f = fields[layers[i].Name].Y;
                for (int unit = 0; unit < layers[i].Output.Height; unit++)
                {
                    var expected = BruteForce(layers, i, unit, side, out bool padded);
                    if (expected is null) { paddingOnly++; continue; }
                    compared++;
                    var span = f.Span(unit, side);
                    if (padded)
                    {
                        // Padding somewhere below: the formula counts the virtual units there, so it may only be larger.
                        Assert.True(span.First <= expected.Value.First && span.Last >= expected.Value.Last,
                            $"side {side} {layers[i].Name} unit {unit}: formula {span} does not contain brute force {expected}");
                        continue;
                    }
                    exact++;
                    Assert.True(expected == span, $"side {side} {layers[i].Name} unit {unit}: formula {f.Span(unit, side)}, brute force {expected} ({f})");
                }
            }
        }
        // Only the ZeroPadding2D layer's own border rows (2 per input size) see no input; everything else was compared.
        Assert.Equal(6, paddingOnly);
        Assert.True(compared > 500 && exact > 300, $"{compared} units compared, {exact} of them exactly");
    }
}
