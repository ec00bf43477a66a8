using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Rung 4 of the conv ladder — Winograd F(2×2, 3×3): fewer multiplies, traded for transforms.
///
/// A 2×2 block of outputs of a 3×3 convolution needs 2·2·9 = 36 multiplies per (ci, co) directly. Winograd's
/// minimal filtering computes it from the 4×4 input tile d as  Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A  with 16
/// multiplies: 2.25× fewer. Summed over input channels, the element-wise product becomes 16 independent matrix
/// products, one per position ξ of the 4×4 transformed tile:  M[ξ] (T × Cout) = V[ξ] (T × Cin) · U[ξ] (Cin × Cout).
/// Three kernels, in order:
///   <see cref="InputTransform"/>   V = Bᵀ d B for every tile and input channel     thread per (ci, tile)
///   <see cref="Gemm"/>             M[ξ] = V[ξ] · U[ξ], register-blocked like rung 3   thread per (8 channels, 4 tiles, ξ)
///   <see cref="OutputTransform"/>  Y = Aᵀ M A + bias, ReLU, edge tiles clipped      thread per (co, tile)
/// U = G g Gᵀ is computed once on the host when the weights are uploaded (ConvWeights), as (16, Cin, CoutPad).
/// Launch: 1-D grids of 1-D groups of 64 threads, decomposed fastest-first as listed.
/// Teaches: an algorithmic saving beats tuning, but it costs memory traffic (V and M are 4× the activations) and a
/// little precision (the transforms round); with few input channels the transforms dominate, so VGG16's first
/// layers run as rung 3 (GpuBackend.LayerRung).
/// </summary>
public static class Conv3x3WinogradKernel
{
    public const int GroupSize = 64, TilesPerThread = 4, Channels = 8;

    /// <summary>2×2-output tiles of a (N, H, W) map (odd sizes: the last tile is clipped).</summary>
    public static int Tiles(int n, int h, int w) => n * ((h + 1) / 2) * ((w + 1) / 2);

    /// <summary>V[ξ, t, ci] = (Bᵀ d B)[ξ] for the 4×4 input tile d of tile t, channel ci; zero outside the image.</summary>
    public static void InputTransform(
        ArrayView<float> input,    // (N, H, W, Cin)
        ArrayView<float> v,        // (16, T, Cin)
        ConvShape s)
    {
        int tilesX = (s.W + 1) / 2, tilesY = (s.H + 1) / 2, tiles = s.N * tilesY * tilesX;
        int g = Grid.GlobalIndex.X;
        if (g >= tiles * s.Cin) return;
        int ci = g % s.Cin, t = g / s.Cin;
        int tx = t % tilesX, rest = t / tilesX, ty = rest % tilesY, n = rest / tilesY;
        int y0 = 2 * ty - 1, x0 = 2 * tx - 1, image = n * s.H * s.W * s.Cin;

        // Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]].  V = Bᵀ (d B): first each row of d times B ...
        var e0 = RowTimesB(input, image, y0, x0, ci, s);
        var e1 = RowTimesB(input, image, y0 + 1, x0, ci, s);
        var e2 = RowTimesB(input, image, y0 + 2, x0, ci, s);
        var e3 = RowTimesB(input, image, y0 + 3, x0, ci, s);
        // ... then Bᵀ mixes the rows. Row i of the result goes to planes ξ = 4i … 4i+3.
        int stride = tiles * s.Cin, at = t * s.Cin + ci;
        StoreRow(v, at, stride, 0, Row4.Sub(e0, e2));
        StoreRow(v, at, stride, 1, Row4.Add(e1, e2));
        StoreRow(v, at, stride, 2, Row4.Sub(e2, e1));
        StoreRow(v, at, stride, 3, Row4.Sub(e1, e3));
    }

    /// <summary>Four values of one row of a 4×4 tile.</summary>
    public struct Row4
    {
        public float A, B, C, D;
        public static Row4 Add(in Row4 p, in Row4 q) => new() { A = p.A + q.A, B = p.B + q.B, C = p.C + q.C, D = p.D + q.D };
        public static Row4 Sub(in Row4 p, in Row4 q) => new() { A = p.A - q.A, B = p.B - q.B, C = p.C - q.C, D = p.D - q.D };
    }

    /// <summary>Row y of the tile (columns x0 … x0+3, zero outside the image) times B.</summary>
    private static Row4 RowTimesB(ArrayView<float> input, int image, int y, int x0, int ci, in ConvShape s)
    {
        float d0 = Load(input, image, y, x0, ci, s), d1 = Load(input, image, y, x0 + 1, ci, s);
        float d2 = Load(input, image, y, x0 + 2, ci, s), d3 = Load(input, image, y, x0 + 3, ci, s);
        return new Row4 { A = d0 - d2, B = d1 + d2, C = d2 - d1, D = d1 - d3 };
    }

    private static float Load(ArrayView<float> input, int image, int y, int x, int ci, in ConvShape s) =>
        y >= 0 && y < s.H && x >= 0 && x < s.W ? input[image + (y * s.W + x) * s.Cin + ci] : 0f;

    private static void StoreRow(ArrayView<float> v, int at, int stride, int i, in Row4 r)
    {
        v[(4 * i + 0) * stride + at] = r.A;
        v[(4 * i + 1) * stride + at] = r.B;
        v[(4 * i + 2) * stride + at] = r.C;
        v[(4 * i + 3) * stride + at] = r.D;
    }

    /// <summary>Threads <see cref="Gemm"/> needs.</summary>
    public static long GemmThreads(int tiles, int coutPad) => 16L * ((tiles + TilesPerThread - 1) / TilesPerThread) * (coutPad / Channels);

    /// <summary>M[ξ, t, co] = Σ_ci V[ξ, t, ci] · U[ξ, ci, co]: 4 tiles × 8 channels of one plane ξ per thread.</summary>
    public static void Gemm(
        ArrayView<float> v,        // (16, T, Cin)
        ArrayView<float> u,        // (16, Cin, CoutPad)
        ArrayView<float> m,        // (16, T, CoutPad)
        ConvShape s)
    {
        int tiles = Tiles(s.N, s.H, s.W), blocks = s.CoutPad / Channels, tileBlocks = (tiles + TilesPerThread - 1) / TilesPerThread;
        int g = Grid.GlobalIndex.X;
        if (g >= 16 * tileBlocks * blocks) return;
        int cb = g % blocks, rest = g / blocks, tb = rest % tileBlocks, xi = rest / tileBlocks;
        int co0 = cb * Channels, t0 = tb * TilesPerThread;
        // A short last block repeats its last tile (never stored) so the inner loop has no conditions.
        int t1 = t0 + 1 < tiles ? t0 + 1 : tiles - 1, t2 = t0 + 2 < tiles ? t0 + 2 : tiles - 1, t3 = t0 + 3 < tiles ? t0 + 3 : tiles - 1;
        int plane = xi * tiles;
        int v0 = (plane + t0) * s.Cin, v1 = (plane + t1) * s.Cin, v2 = (plane + t2) * s.Cin, v3 = (plane + t3) * s.Cin;
        int uAt = xi * s.Cin * s.CoutPad + co0;

        Channels8 a0 = default, a1 = default, a2 = default, a3 = default;
        for (int ci = 0; ci < s.Cin; ci++)
        {
            var w = Channels8.Load(u, uAt + ci * s.CoutPad);
            Channels8.MultiplyAdd(ref a0, v[v0 + ci], w);
            Channels8.MultiplyAdd(ref a1, v[v1 + ci], w);
            Channels8.MultiplyAdd(ref a2, v[v2 + ci], w);
            Channels8.MultiplyAdd(ref a3, v[v3 + ci], w);
        }
        int at = (plane + t0) * s.CoutPad + co0;
        Channels8.Store(m, at, a0, Channels, 0);
        if (t0 + 1 < tiles) Channels8.Store(m, at + s.CoutPad, a1, Channels, 0);
        if (t0 + 2 < tiles) Channels8.Store(m, at + 2 * s.CoutPad, a2, Channels, 0);
        if (t0 + 3 < tiles) Channels8.Store(m, at + 3 * s.CoutPad, a3, Channels, 0);
    }

    /// <summary>out[n, 2ty+i, 2tx+j, co] = (Aᵀ M A)[i][j] + bias[co], ReLU; A = [[1,0],[1,1],[1,-1],[0,-1]].</summary>
    public static void OutputTransform(
        ArrayView<float> m,        // (16, T, CoutPad)
        ArrayView<float> bias,     // (CoutPad)
        ArrayView<float> output,   // (N, H, W, Cout)
        ConvShape s)
    {
        int tilesX = (s.W + 1) / 2, tilesY = (s.H + 1) / 2, tiles = s.N * tilesY * tilesX;
        int g = Grid.GlobalIndex.X;
        if (g >= tiles * s.Cout) return;
        int co = g % s.Cout, t = g / s.Cout;
        int tx = t % tilesX, rest = t / tilesX, ty = rest % tilesY, n = rest / tilesY;
        int stride = tiles * s.CoutPad, at = t * s.CoutPad + co;

        // Aᵀ m: rows 0..1, for each column j
        float r00 = 0, r01 = 0, r02 = 0, r03 = 0, r10 = 0, r11 = 0, r12 = 0, r13 = 0;
        for (int j = 0; j < 4; j++)
        {
            float m0 = m[(0 * 4 + j) * stride + at], m1 = m[(1 * 4 + j) * stride + at];
            float m2 = m[(2 * 4 + j) * stride + at], m3 = m[(3 * 4 + j) * stride + at];
            float top = m0 + m1 + m2, bottom = m1 - m2 - m3;
            if (j == 0) { r00 = top; r10 = bottom; }
            else if (j == 1) { r01 = top; r11 = bottom; }
            else if (j == 2) { r02 = top; r12 = bottom; }
            else { r03 = top; r13 = bottom; }
        }
        float b = bias[co];
        int y = 2 * ty, x = 2 * tx;
        int o = ((n * s.H + y) * s.W + x) * s.Cout + co;
        output[o] = Channels8.Activate(r00 + r01 + r02 + b, s.Relu);                       // (Aᵀ m) A, column 0
        if (x + 1 < s.W) output[o + s.Cout] = Channels8.Activate(r01 - r02 - r03 + b, s.Relu);
        if (y + 1 < s.H)
        {
            o += s.W * s.Cout;
            output[o] = Channels8.Activate(r10 + r11 + r12 + b, s.Relu);
            if (x + 1 < s.W) output[o + s.Cout] = Channels8.Activate(r11 - r12 - r13 + b, s.Relu);
        }
    }
}
