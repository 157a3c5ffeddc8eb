/* Per-token lookup tables: for 4 activations x0..x3, entry `idx` is sum_i s_i x_i with
 * s_i = +1 where bit i of idx is set and -1 where it is clear. Entry 15-idx flips every sign,
 * so only the 8 entries with bit 3 clear are computed; the other 8 are their negations.
 * Entries are quantized to int8 with one step per group: the largest |entry| of a quad is
 * |x0|+|x1|+|x2|+|x3|, so step = max over the group's quads of that sum / 127. Rounding is
 * half away from zero, so entry 15-idx stays exactly -entry idx. The AVX2 and AVX-512
 * builders (tmac_avx2.c, tmac_avx512.c) do the same float operations, so every kernel sees the
 * same tables. */
#include "tmac_internal.h"

/* Signs of x0, x1, x2 in entry idx (bit i set: +1); x3 always counts -1 in entries 0..7. */
static const float sign0[8] = {-1, 1, -1, 1, -1, 1, -1, 1};
static const float sign1[8] = {-1, -1, 1, 1, -1, -1, 1, 1};
static const float sign2[8] = {-1, -1, -1, -1, 1, 1, 1, 1};

void lrtk_tmac_build_tables(const float *x, int k, int group_size, int8_t *lut,
                            float *lut_scale, float *xsum) {
  for (int g = 0; g < k / group_size; g++) {
    const float *xg = x + (size_t)g * group_size;
    const float inv_step = lrtk_tmac_group_stats(xg, group_size, &lut_scale[g], &xsum[g]);
    for (int c = 0; c < group_size; c += 4) {
      int8_t *t = lut + ((size_t)g * group_size + c) * 4; /* 16 entries per quad */
      for (int idx = 0; idx < 8; idx++) {
        float v = (sign0[idx] * xg[c] + sign1[idx] * xg[c + 1]) + (sign2[idx] * xg[c + 2] - xg[c + 3]);
        float y = v * inv_step; /* |y| <= 127 up to rounding; round half away from zero */
        int q = (int)(y + (y >= 0.0f ? 0.5f : -0.5f));
        t[idx] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
      }
      for (int idx = 8; idx < 16; idx++) t[idx] = (int8_t)-t[15 - idx];
    }
  }
}
