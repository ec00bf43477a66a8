namespace CnnEngine.Deconv;

/// <summary>Where a projection starts: positions of one channel of a feature map, strongest first.</summary>
public static class ProjectionSeed
{
    /// <summary>The strongest activation of channel k in an (H, W, C) map; ties go to the first in row-major order.</summary>
    public static (int Y, int X, float Value) Strongest(ReadOnlySpan<float> map, int height, int width, int channels, int channel)
    {
        int best = 0;
        float bestValue = map[channel];
        for (int p = 1; p < height * width; p++)
        {
            float v = map[p * channels + channel];
            if (v > bestValue) { bestValue = v; best = p; }
        }
        return (best / width, best % width, bestValue);
    }

    /// <summary>The n strongest positions of channel k (value descending, then row-major position).</summary>
    public static (int Y, int X, float Value)[] Top(ReadOnlySpan<float> map, int height, int width, int channels, int channel, int n)
    {
        var all = new (int P, float V)[height * width];
        for (int p = 0; p < all.Length; p++) all[p] = (p, map[p * channels + channel]);
        Array.Sort(all, (a, b) => a.V != b.V ? b.V.CompareTo(a.V) : a.P.CompareTo(b.P));
        return all.Take(Math.Min(n, all.Length)).Select(e => (e.P / width, e.P % width, e.V)).ToArray();
    }

    /// <summary>The channel of an (H, W, C) map whose activations sum highest (ties → lowest channel).</summary>
    public static int StrongestChannel(ReadOnlySpan<float> map, int channels)
    {
        var sums = ChannelSums(map, channels);
        int best = 0;
        for (int c = 1; c < channels; c++) if (sums[c] > sums[best]) best = c;
        return best;
    }

    /// <summary>Per-channel sums of an (H, W, C) map, accumulated in double.</summary>
    public static double[] ChannelSums(ReadOnlySpan<float> map, int channels)
    {
        var sums = new double[channels];
        for (int i = 0; i < map.Length; i++) sums[i % channels] += map[i];
        return sums;
    }
}
