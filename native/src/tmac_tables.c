/* Per-token lookup tables: for 4 activations x0..x3, entry `idx` is sum_i s_i x_i with
 * s_i = +1 where bit i of idx is set and -1 where it is clear. Entry 15-idx flips every sign,
 * so only the 8 entries with bit 3 clear are computed; the other 8 are their negations.
 * Entries are quantized to int8 with one step per group: the largest |entry| of a quad is
 * |x0|+|x1|+|x2|+|x3|, so step = max over the group's quads of that sum / 127. All kernels
 * share these tables, which is why the SIMD kernels can equal the scalar one exactly. */
#include <math.h>

#include "tmac_internal.h"

static int8_t quantize(float v, float inv_step) {
  long q = lrintf(v * inv_step);
  return (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
}

void lrtk_tmac_build_tables(const float *x, int k, int group_size, int8_t *lut,
                            float *lut_scale, float *xsum) {
  for (int g = 0; g < k / group_size; g++) {
    const float *xg = x + (size_t)g * group_size;
    float amax = 0.0f, sum = 0.0f;
    for (int c = 0; c < group_size; c += 4) {
      float a = fabsf(xg[c]) + fabsf(xg[c + 1]) + fabsf(xg[c + 2]) + fabsf(xg[c + 3]);
      amax = a > amax ? a : amax;
    }
    for (int c = 0; c < group_size; c++) sum += xg[c];
    const float inv_step = amax > 0.0f ? 127.0f / amax : 0.0f;
    /* Plane signs carry weight 2^(j-1) = coef/2: the 1/2 goes into the scale (exact). */
    lut_scale[g] = 0.5f * (amax / 127.0f);
    xsum[g] = sum;
    for (int c = 0; c < group_size; c += 4) {
      int8_t *t = lut + ((size_t)g * group_size + c) * 4; /* 16 entries per quad */
      for (int idx = 0; idx < 8; idx++) {
        float v = -xg[c + 3];
        for (int i = 0; i < 3; i++) v += (idx >> i & 1) ? xg[c + i] : -xg[c + i];
        int8_t q = quantize(v, inv_step);
        t[idx] = q;
        t[15 - idx] = (int8_t)-q;
      }
    }
  }
}
