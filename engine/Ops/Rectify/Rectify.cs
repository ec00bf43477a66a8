using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Rectification x = max(x, 0) in place, vectorized. Same result as <see cref="RectifyScalar"/> bit for bit,
/// NaN included (NaN → 0: a compare-and-select, not Max, which would propagate NaN).
/// The last partial vector is handled by re-running one full vector that ends at the last element: the op is
/// idempotent, so overlapping elements are simply rectified twice — no scalar tail.
/// </summary>
public static class Rectify
{
    public static void Run(Span<float> values)
    {
        if (Vector512.IsHardwareAccelerated && values.Length >= Vector512<float>.Count) Run512(values);
        else if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count) Run256(values);
        else RectifyScalar.Run(values);
    }

    internal static void Run512(Span<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length, step = Vector512<float>.Count;
        for (int i = 0; i < n; i += step)
        {
            int at = Math.Min(i, n - step); // the last vector overlaps the previous one instead of a scalar tail
            ref float p = ref Unsafe.Add(ref start, at);
            var v = Vector512.LoadUnsafe(ref p);
            Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, Vector512<float>.Zero).StoreUnsafe(ref p);
        }
    }

    internal static void Run256(Span<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length, step = Vector256<float>.Count;
        for (int i = 0; i < n; i += step)
        {
            int at = Math.Min(i, n - step);
            ref float p = ref Unsafe.Add(ref start, at);
            var v = Vector256.LoadUnsafe(ref p);
            Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero).StoreUnsafe(ref p);
        }
    }
}
