/* Softmax over the last axis, in place, max-subtracted so exp never overflows (as Keras does).
 *
 * One thread per row: a row is 1000 classes, far too little work to be worth splitting across a group.
 * The sum is accumulated in float here (the oracle uses double); for 1000 positive terms the difference is
 * ~1e-7 relative.
 */
KERNEL softmax(GLOBAL float* values, /* (N, K) */ int N, int K)
{
    int n = GLOBAL_ID(0);
    if (n >= N) return;
    GLOBAL float* row = values + n * K;
    float m = row[0];
    for (int k = 1; k < K; k++) m = row[k] > m ? row[k] : m;
    float sum = 0.0f;
    for (int k = 0; k < K; k++) { float e = EXP(row[k] - m); row[k] = e; sum += e; }
    float inv = 1.0f / sum;
    for (int k = 0; k < K; k++) row[k] *= inv;
}
