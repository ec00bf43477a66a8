/* Fully connected layer: out[n, o] = act(bias[o] + Σ_i in[n, i] · w[i, o]).
 *
 * Weights stay in Keras layout (Cin, Cout), padded to CoutPad = Cout rounded up to VW, so VW consecutive
 * outputs are one vector load per input. Thread (o-block, n) keeps VW sums in one vecf. At batch 1 this layer
 * is a matrix–vector product: every weight is used once, so its speed is the memory bandwidth (fc1 streams
 * 25088 × 4096 × 4 bytes = 411 MB per image); no tiling can beat that, only a bigger batch can.
 */
KERNEL dense(const GLOBAL float* RESTRICT input,   /* (N, Cin) */
             const GLOBAL float* RESTRICT weights, /* (Cin, CoutPad) */
             const GLOBAL float* RESTRICT bias,    /* (CoutPad) */
             GLOBAL float* RESTRICT output,        /* (N, Cout) */
             int N, int Cin, int Cout, int CoutPad, int relu)
{
    int o0 = GLOBAL_ID(0) * VW, n = GLOBAL_ID(1);
    if (o0 >= Cout || n >= N) return;
    const GLOBAL float* x = input + n * Cin;
    vecf acc = VLOAD(bias + o0);
    for (int i = 0; i < Cin; i++) acc = VFMA(VSPLAT(x[i]), VLOAD(weights + i * CoutPad + o0), acc);
    if (relu) acc = VMAX(acc, VSPLAT(0.0f));
    GLOBAL float* out = output + n * Cout + o0;
    if (o0 + VW <= Cout) VSTORE(acc, out);
    else {
        float tmp[VW];
        VSTORE(acc, tmp);
        for (int i = 0; i < Cout - o0; i++) out[i] = tmp[i];
    }
}
