/* The int8 prefill path's shared activation rounding and its reference kernel, the oracle
 * the SIMD int8 kernels equal bit for bit (see tmac_internal.h for the arithmetic). */
#include "simd_clones.h"
#include "tmac_internal.h"

/* Adding and subtracting 1.5 * 2^23 rounds a float of magnitude < 2^22 to the nearest
 * integer, ties to even, in two exact IEEE operations that vectorize on every target. */
#define ROUNDER 0x1.8p23f

LRTK_SIMD_CLONES void lrtk_int8_quantize(const float *x, int len, int group_size, int coef_sum,
                                         const lrtk_int8_acts *out) {
  for (int g = 0; g < len / group_size; g++) {
    const float *xg = x + (size_t)g * group_size;
    int8_t *q = out->q + (size_t)g * group_size;
    float amax = 0.0f, unused;
    for (int c = 0; c < group_size; c++) {
      const float a = __builtin_fabsf(xg[c]);
      amax = a > amax ? a : amax;
    }
    /* The float sum in the order the T-MAC tables use (one function for both). */
    lrtk_tmac_group_stats(xg, group_size, &unused, &out->xsum[g]);
    const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
    int32_t qsum = 0;
    for (int c = 0; c < group_size; c++) {
      /* |x * inv| <= 127 up to one rounding, which the rounding to an integer absorbs */
      const int v = (int)((xg[c] * inv + ROUNDER) - ROUNDER);
      q[c] = (int8_t)v;
      qsum += v;
    }
    out->step[g] = 0.5f * (amax / 127.0f);
    out->offset[g] = coef_sum * qsum;
  }
}

/* One group of a tile's planes (group_quads quads from p) unpacked into codes in the
 * LRTK_INT8_QUAD_BYTES layout; returns where the next group's planes start. */
static const uint8_t *unpack_group(const uint8_t *p, const lrtk_tmac_format *f, int group_quads,
                                   uint8_t *codes) {
  for (int q = 0; q < group_quads; q++, codes += LRTK_INT8_QUAD_BYTES) {
    memset(codes, 0, LRTK_INT8_QUAD_BYTES);
    for (int j = 0; j < f->planes; j += 2) {
      for (int b = 0; b < lrtk_tmac_block_bytes(f, j); b++, p++) {
        int plane;
        const int row = lrtk_tmac_block_row(f, j, b, &plane), c = f->coef[plane];
        for (int i = 0; i < 4; i++) {
          codes[4 * row + i] += (uint8_t)(c * ((*p >> i) & 1));
          codes[4 * (row + 32) + i] += (uint8_t)(c * ((*p >> (4 + i)) & 1));
        }
      }
    }
  }
  return p;
}

void lrtk_int8_tile_scalar(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                           const lrtk_int8_acts *a, int n, float *out) {
  const int gs = w->group_size, groups = w->k / gs, group_quads = gs / 4;
  const lrtk_tmac_tile_data at = lrtk_tmac_tile_at(w, f->planes, tile);
  const uint8_t *p = at.packed;
  const uint16_t *scale = at.scale, *bias = at.bias;
  uint8_t codes[LRTK_INT8_QUAD_BYTES * 32]; /* one group of at most 128 columns */
  for (int r = 0; r < 64 * n; r++) out[r] = 0.0f;
  for (int g = 0; g < groups; g++, scale += 64) {
    p = unpack_group(p, f, group_quads, codes);
    for (int t = 0; t < n; t++) {
      const int8_t *q = a[t].q + (size_t)g * gs;
      float *o = out + 64 * t;
      for (int r = 0; r < 64; r++) {
        int32_t sum = 0;
        for (int c = 0; c < gs; c++) sum += codes[LRTK_INT8_QUAD_BYTES * (c / 4) + 4 * r + c % 4] * q[c];
        const int32_t isum = 2 * sum - a[t].offset[g];
        o[r] += ((float)isum * lrtk_half_to_float(scale[r])) * a[t].step[g];
      }
      if (bias)
        for (int r = 0; r < 64; r++) o[r] += lrtk_half_to_float(bias[r]) * a[t].xsum[g];
    }
    if (bias) bias += 64;
  }
}
