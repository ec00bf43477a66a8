namespace CnnEngine.Ops;

/// <summary>
/// Reference guided rectification (guided backprop, Springenberg et al.): the backward signal is kept only where
/// it is positive AND the forward ReLU was open (forward activation &gt; 0): x = (x &gt; 0 &amp;&amp; a &gt; 0) ? x : 0.
/// </summary>
public static class RectifyGuidedScalar
{
    /// <param name="values">The backward signal, rectified in place.</param>
    /// <param name="forward">The forward activation at the same place (after that layer's ReLU), same length.</param>
    public static void Run(Span<float> values, ReadOnlySpan<float> forward)
    {
        if (forward.Length != values.Length) throw new ArgumentException("rectify-guided: signal and forward activation differ in length");
        for (int i = 0; i < values.Length; i++) if (!(values[i] > 0 && forward[i] > 0)) values[i] = 0;
    }
}
