/* Rectify in place: x = max(x, 0), the deconvnet's ReLU on the backward signal. NaN becomes 0, as in RectifyScalar. */
KERNEL rectify(GLOBAL float* values, int count)
{
    int i = GLOBAL_ID(0);
    if (i >= count) return;
    float v = values[i];
    values[i] = v > 0.0f ? v : 0.0f;
}
