namespace CnnEngine.Imaging;

/// <summary>
/// PIL's BILINEAR resize (<c>src/libImaging/Resample.c</c>, 8 bits per channel), reproduced step by step:
/// a separable convolution, horizontal pass first (rounded to uint8), then vertical. When shrinking, the
/// triangle filter's support is widened by the scale (antialiasing). Coefficients are computed in double,
/// normalised to sum 1, then converted to 22-bit fixed point with round-half-away-from-zero; each output is
/// (sum + 2^21) >> 22 clamped to 0..255.
/// </summary>
internal static class BilinearResizePil
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>For each output index: the first source index, the count, and <see cref="Taps"/> fixed-point weights.</summary>
    private sealed record Coefficients(int[] First, int[] Count, int[] Weights, int Taps);

    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        bool horizontal = width != source.Width, vertical = height != source.Height;
        Coefficients rows = Precompute(source.Height, height);
        // The horizontal pass only computes the source rows the vertical pass will read.
        int firstRow = rows.First[0];
        int lastRow = rows.First[height - 1] + rows.Count[height - 1];

        RgbImage image = source;
        int rowOffset = 0;
        if (horizontal)
        {
            image = ResampleHorizontal(source, Precompute(source.Width, width), width, firstRow, lastRow);
            rowOffset = firstRow;
        }
        if (vertical)
            image = ResampleVertical(image, rows, height, rowOffset);
        return image;
    }

    private static double Filter(double x)
    {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /// <summary>Resample.c precompute_coeffs + normalize_coeffs_8bpc, with PIL's exact operation order.</summary>
    private static Coefficients Precompute(int inSize, int outSize)
    {
        const double support0 = 1.0; // bilinear filter support
        double scale = (double)(float)inSize / outSize; // box is float[4]: (in1 - in0) / outSize
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = support0 * filterScale;
        int taps = (int)Math.Ceiling(support) * 2 + 1;

        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * taps]; // (outSize, taps)
        var k = new double[taps];
        for (int i = 0; i < outSize; i++)
        {
            double center = 0.0 + (i + 0.5) * scale;
            double sum = 0.0;
            double ss = 1.0 / filterScale;
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            for (int x = 0; x < xmax; x++)
            {
                double w = Filter((x + xmin - center + 0.5) * ss);
                k[x] = w;
                sum += w;
            }
            for (int x = 0; x < xmax; x++)
            {
                double w = sum != 0.0 ? k[x] / sum : k[x];
                weights[i * taps + x] = w < 0
                    ? (int)(-0.5 + w * (1 << PrecisionBits))
                    : (int)(0.5 + w * (1 << PrecisionBits));
            }
            first[i] = xmin;
            count[i] = xmax;
        }
        return new Coefficients(first, count, weights, taps);
    }

    private static byte Clip8(int accumulator)
    {
        int v = accumulator >> PrecisionBits; // arithmetic shift, as in C
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    /// <summary>Rows [firstRow, lastRow) of <paramref name="source"/>, resized to <paramref name="width"/> columns.</summary>
    private static RgbImage ResampleHorizontal(RgbImage source, Coefficients c, int width, int firstRow, int lastRow)
    {
        var output = new RgbImage(width, lastRow - firstRow);
        byte[] src = source.Pixels, dst = output.Pixels; // (H, W, 3)
        int srcStride = source.Width * 3;
        for (int y = firstRow; y < lastRow; y++)
        {
            int srcRow = y * srcStride, dstRow = (y - firstRow) * width * 3;
            for (int x = 0; x < width; x++)
            {
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                int start = srcRow + c.First[x] * 3, n = c.Count[x], wBase = x * c.Taps;
                for (int t = 0; t < n; t++)
                {
                    int w = c.Weights[wBase + t], s = start + t * 3;
                    r += src[s] * w;
                    g += src[s + 1] * w;
                    b += src[s + 2] * w;
                }
                int d = dstRow + x * 3;
                dst[d] = Clip8(r);
                dst[d + 1] = Clip8(g);
                dst[d + 2] = Clip8(b);
            }
        }
        return output;
    }

    /// <summary>Resizes to <paramref name="height"/> rows; source row indices are shifted down by <paramref name="rowOffset"/>.</summary>
    private static RgbImage ResampleVertical(RgbImage source, Coefficients c, int height, int rowOffset)
    {
        int width = source.Width, stride = width * 3;
        var output = new RgbImage(width, height);
        byte[] src = source.Pixels, dst = output.Pixels; // (H, W, 3)
        for (int y = 0; y < height; y++)
        {
            int first = c.First[y] - rowOffset, n = c.Count[y], wBase = y * c.Taps;
            int dstRow = y * stride;
            for (int i = 0; i < stride; i++)
            {
                int acc = 1 << (PrecisionBits - 1);
                for (int t = 0; t < n; t++) acc += src[(first + t) * stride + i] * c.Weights[wBase + t];
                dst[dstRow + i] = Clip8(acc);
            }
        }
        return output;
    }
}
