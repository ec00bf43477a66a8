namespace CnnEngine.Model;

/// <summary>
/// How much memory one VGG16 forward will take, estimated from the input size before anything is allocated, so a
/// command can refuse an input that would not fit (a 5000×5000 image needs tens of GB) instead of ending in an
/// OutOfMemoryException after minutes. Counted: the input, the CPU engine's two ping-pong buffers (each as large as
/// the largest padded layer output) and its switch scratch, every tapped layer's copy and switches, and — for the
/// visualizer — its pictures (measured at about 4 bytes per drawn activation: RGB grid plus PNG encoding buffers).
/// All float32; counts in long and double, so any size is safe to ask about.
/// </summary>
public static class ForwardMemory
{
    public enum Taps
    {
        /// <summary>No layer handed to the caller.</summary>
        None,
        /// <summary>One (or a few small) layer(s): at most one conv layer's output.</summary>
        OneLayer,
        /// <summary>Every layer and every pool's switches (the default run, deconv).</summary>
        All,
    }

    /// <summary>Bytes per drawn activation value for the visualizer's pictures (measured: 1500² image, 2.5 GB for 675 M values).</summary>
    public const double PictureBytesPerValue = 4.0;

    /// <param name="LargestBufferValues">Values in the largest single buffer (a .NET array holds at most <see cref="Array.MaxLength"/>).</param>
    public sealed record Breakdown(long InputBytes, long WorkingBytes, long TapBytes, long PictureBytes, long ExtraBytes, double LargestBufferValues = 0)
    {
        public long Total => Sum(InputBytes, WorkingBytes, TapBytes, PictureBytes, ExtraBytes);

        public override string ToString() =>
            $"{Format(Total)}: input {Format(InputBytes)}, working buffers {Format(WorkingBytes)}, layers kept {Format(TapBytes)}" +
            (PictureBytes > 0 ? $", pictures {Format(PictureBytes)}" : "") + (ExtraBytes > 0 ? $", other {Format(ExtraBytes)}" : "");
    }

    /// <param name="batch">Images per forward.</param>
    /// <param name="height">Input height in pixels (any value: the result saturates instead of overflowing).</param>
    public static Breakdown Of(long batch, long height, long width, bool includeTop, Taps taps, bool pictures = false, long extraBytes = 0)
    {
        double n = Math.Max(1, batch);
        double input = n * height * width * 3 * 4;
        double largestPadded = 0, allValues = 0, allSwitches = 0, largestLayer = 0;
        long h = height, w = width;
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (layer.IsPool) { h /= 2; w /= 2; allSwitches += n * h * w * layer.OutChannels; }
            double values = n * h * w * layer.OutChannels;
            allValues += values;
            largestLayer = Math.Max(largestLayer, values);
            largestPadded = Math.Max(largestPadded, n * (h + 2) * (Math.Max(w, 14) + 2) * layer.OutChannels);
        }
        double working = 2 * largestPadded * 4 + n * (height / 2) * (width / 2) * 64 * 4;
        if (includeTop) working += n * (25088 + 4096 + 4096 + 1000) * 4.0;   // the dense layers' outputs (the weights are already loaded)
        double tapped = taps switch
        {
            Taps.All => allValues * 4 + allSwitches * 4,
            Taps.OneLayer => largestLayer * 4,
            _ => 0,
        };
        double picture = pictures ? allValues * PictureBytesPerValue : 0;
        return new Breakdown(Clamp(input), Clamp(working), Clamp(tapped), Clamp(picture), extraBytes, Math.Max(largestPadded, n * height * width * 3));
    }

    /// <summary>Total bytes (see <see cref="Of"/>).</summary>
    public static long Estimate(long batch, long height, long width, bool includeTop, Taps taps, bool pictures = false, long extraBytes = 0) =>
        Of(batch, height, width, includeTop, taps, pictures, extraBytes).Total;

    /// <summary>"12.3 GB", "640 MB" (powers of 1024).</summary>
    public static string Format(long bytes) =>
        bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.#} GB" : bytes >= 1L << 20 ? $"{bytes / (double)(1L << 20):0} MB" : $"{Math.Max(1, bytes / 1024)} KB";

    private static long Clamp(double bytes) => bytes >= long.MaxValue / 8 ? long.MaxValue / 8 : (long)bytes;

    private static long Sum(params long[] parts)
    {
        long total = 0;
        foreach (long p in parts) total = total > long.MaxValue - p ? long.MaxValue : total + p;
        return total;
    }
}
