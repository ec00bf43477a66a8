namespace CnnEngine.Imaging;

/// <summary>
/// PIL's NEAREST resize: <c>_imaging.c _resize</c> turns it into an affine transform with
/// a0 = in_w / out_w, a4 = in_h / out_h, and <c>Geometry.c ImagingScaleAffine</c> samples source column
/// <c>(int)xo</c> where xo starts at a0·0.5 and grows by a0 per output column (a running double sum, reproduced
/// as such: a closed form (x + 0.5)·a0 can round differently). Same for rows.
/// </summary>
internal static class NearestResizePil
{
    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        int[] sourceX = SourceIndices(source.Width, width);  // (width)
        int[] sourceY = SourceIndices(source.Height, height); // (height)
        var output = new RgbImage(width, height);
        byte[] src = source.Pixels, dst = output.Pixels; // (H, W, 3)
        for (int y = 0; y < height; y++)
        {
            int srcRow = sourceY[y] * source.Width * 3, dstRow = y * width * 3;
            for (int x = 0; x < width; x++)
            {
                int s = srcRow + sourceX[x] * 3, d = dstRow + x * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }
        return output;
    }

    private static int[] SourceIndices(int inSize, int outSize)
    {
        // PIL's box is float[4]; (double)((float)inSize - 0f) / outSize.
        double step = (double)(float)inSize / outSize;
        var indices = new int[outSize];
        double position = step * 0.5;
        for (int i = 0; i < outSize; i++)
        {
            // COORD(v): (int)v for v >= 0; PIL leaves a pixel unwritten (0) if it falls outside, which cannot
            // happen for a plain resize but is guarded so an index never leaves the image.
            indices[i] = Math.Min((int)position, inSize - 1);
            position += step;
        }
        return indices;
    }
}
