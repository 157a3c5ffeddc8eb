/* The reference kernel: the oracle every SIMD kernel must equal bit for bit. It follows the
 * packed layout literally; the SIMD kernels do the same integer sums and the same float
 * operations in the same order (the build disables FMA contraction). */
#include "tmac_internal.h"

void lrtk_tmac_tile_scalar(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                           const lrtk_tmac_tables *t, float out[64]) {
  const int groups = w->k / w->group_size, group_quads = w->group_size / 4;
  const lrtk_tmac_tile_data at = lrtk_tmac_tile_at(w, f->planes, tile);
  const uint8_t *p = at.packed;
  const uint16_t *scale = at.scale, *bias = at.bias;
  const int8_t *lut = t->lut;
  for (int r = 0; r < 64; r++) out[r] = 0.0f;

  for (int g = 0; g < groups; g++, scale += 64) {
    for (int q0 = 0; q0 < group_quads; q0 += f->span_quads) {
      int32_t sum[64] = {0};
      const int span = group_quads - q0 < f->span_quads ? group_quads - q0 : f->span_quads;
      for (int q = 0; q < span; q++, lut += 16) {
        for (int j = 0; j < f->planes; j += 2) {
          for (int b = 0; b < lrtk_tmac_block_bytes(f, j); b++, p++) {
            int plane;
            const int row = lrtk_tmac_block_row(f, j, b, &plane), c = f->coef[plane];
            sum[row] += c * lut[*p & 15];
            sum[row + 32] += c * lut[*p >> 4];
          }
        }
      }
      for (int r = 0; r < 64; r++) out[r] += ((float)sum[r] * lrtk_half_to_float(scale[r])) * t->lut_scale[g];
    }
    if (bias) {
      for (int r = 0; r < 64; r++) out[r] += lrtk_half_to_float(bias[r]) * t->xsum[g];
      bias += 64;
    }
  }
}
