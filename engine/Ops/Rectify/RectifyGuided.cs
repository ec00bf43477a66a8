using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>Vectorized <see cref="RectifyGuidedScalar"/>; the last vector overlaps (idempotent), no scalar tail.</summary>
public static class RectifyGuided
{
    public static void Run(Span<float> values, ReadOnlySpan<float> forward)
    {
        if (forward.Length != values.Length) throw new ArgumentException("rectify-guided: signal and forward activation differ in length");
        if (Vector512.IsHardwareAccelerated && values.Length >= Vector512<float>.Count) Run512(values, forward);
        else if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count) Run256(values, forward);
        else RectifyGuidedScalar.Run(values, forward);
    }

    internal static void Run512(Span<float> values, ReadOnlySpan<float> forward)
    {
        ref float v0 = ref MemoryMarshal.GetReference(values);
        ref float f0 = ref MemoryMarshal.GetReference(forward);
        int n = values.Length, step = Vector512<float>.Count;
        for (int i = 0; i < n; i += step)
        {
            int at = Math.Min(i, n - step);
            var v = Vector512.LoadUnsafe(ref v0, (nuint)at);
            var f = Vector512.LoadUnsafe(ref f0, (nuint)at);
            var open = Vector512.GreaterThan(v, Vector512<float>.Zero) & Vector512.GreaterThan(f, Vector512<float>.Zero);
            Vector512.ConditionalSelect(open, v, Vector512<float>.Zero).StoreUnsafe(ref v0, (nuint)at);
        }
    }

    internal static void Run256(Span<float> values, ReadOnlySpan<float> forward)
    {
        ref float v0 = ref MemoryMarshal.GetReference(values);
        ref float f0 = ref MemoryMarshal.GetReference(forward);
        int n = values.Length, step = Vector256<float>.Count;
        for (int i = 0; i < n; i += step)
        {
            int at = Math.Min(i, n - step);
            var v = Vector256.LoadUnsafe(ref v0, (nuint)at);
            var f = Vector256.LoadUnsafe(ref f0, (nuint)at);
            var open = Vector256.GreaterThan(v, Vector256<float>.Zero) & Vector256.GreaterThan(f, Vector256<float>.Zero);
            Vector256.ConditionalSelect(open, v, Vector256<float>.Zero).StoreUnsafe(ref v0, (nuint)at);
        }
    }
}
