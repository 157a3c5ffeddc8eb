/* Offline packing: integer codes -> bit planes in the tile layout documented at lrtk_tmac_pack. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tmac_internal.h"

int lrtk_tmac_format_of(int qtype, lrtk_tmac_format *f) {
  if (qtype == LRTK_Q_TERNARY) {
    *f = (lrtk_tmac_format){.planes = 2, .coef = {1, 1}, .span_quads = 32};
    return LRTK_OK;
  }
  if (qtype < LRTK_Q_B1 || qtype > LRTK_Q_B4) return LRTK_E_QTYPE;
  *f = (lrtk_tmac_format){.planes = qtype};
  for (int j = 0; j < qtype; j++) f->coef[j] = 1 << j;
  /* |table| <= 127, so a quad adds at most 127 * (2^b - 1) to a row: 4 bits allow 17 quads. */
  f->span_quads = qtype == LRTK_Q_B4 ? 16 : 32;
  return LRTK_OK;
}

int lrtk_tmac_check_shape(int qtype, int m, int k, int group_size) {
  lrtk_tmac_format f;
  if (lrtk_tmac_format_of(qtype, &f) != LRTK_OK) return LRTK_E_QTYPE;
  if (group_size != 32 && group_size != 64 && group_size != 128) return LRTK_E_GROUP;
  if (m < 1 || k < group_size || k % group_size != 0) return LRTK_E_SHAPE;
  return LRTK_OK;
}

static int tiles_of(int m) { return (m + LRTK_TMAC_TILE_ROWS - 1) / LRTK_TMAC_TILE_ROWS; }

size_t lrtk_tmac_tile_bytes(int planes, int k) { return (size_t)(k / 4) * (size_t)planes * 32; }

size_t lrtk_tmac_packed_bytes(int qtype, int m, int k, int group_size) {
  lrtk_tmac_format f;
  if (lrtk_tmac_check_shape(qtype, m, k, group_size) != LRTK_OK) return 0;
  lrtk_tmac_format_of(qtype, &f);
  return (size_t)tiles_of(m) * lrtk_tmac_tile_bytes(f.planes, k);
}

size_t lrtk_tmac_scale_count(int qtype, int m, int k, int group_size) {
  if (lrtk_tmac_check_shape(qtype, m, k, group_size) != LRTK_OK) return 0;
  return (size_t)tiles_of(m) * (size_t)(k / group_size) * LRTK_TMAC_TILE_ROWS;
}

/* Bit `plane` of a code as the packer stores it: a binary digit, or for ternary the
 * thresholds code >= 1 and code >= 2 (so that (s_0 + s_1) / 2 is -1, 0 or +1). */
static int plane_bit(int qtype, int code, int plane) {
  if (qtype == LRTK_Q_TERNARY) return code > plane;
  return (code >> plane) & 1;
}

static int check_codes(int qtype, size_t count, const uint8_t *codes) {
  int max_code = qtype == LRTK_Q_TERNARY ? 2 : (1 << qtype) - 1;
  for (size_t i = 0; i < count; i++)
    if (codes[i] > max_code) return LRTK_E_CODE;
  return LRTK_OK;
}

/* float -> IEEE half, round to nearest even (what numpy's astype(float16) does). */
static uint16_t float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, sizeof x);
  const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  uint32_t a = x & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u;  /* NaN */
  if (a >= 0x477ff000u) return sign | 0x7c00u; /* rounds past 65504: infinity */
  if (a < 0x38800000u) {                       /* below 2^-14: a subnormal half */
    float v;
    memcpy(&v, &a, sizeof v);
    return sign | (uint16_t)lrintf(v * 0x1p24f); /* exact scaling, then nearest even */
  }
  a -= 112u << 23; /* rebias the exponent from 127 to 15 */
  a += 0x0fffu + ((a >> 13) & 1u);
  return sign | (uint16_t)(a >> 13);
}

int lrtk_tmac_pack(int qtype, int m, int k, int group_size, int has_zeros,
                   const uint8_t *codes, const float *scales, const float *zeros,
                   uint8_t *packed_out, uint16_t *scales_out, uint16_t *zeros_out) {
  int err = lrtk_tmac_check_shape(qtype, m, k, group_size);
  if (err != LRTK_OK) return err;
  if (!codes || !scales || !packed_out || !scales_out) return LRTK_E_NULL;
  if (has_zeros && (qtype == LRTK_Q_TERNARY || !zeros || !zeros_out)) return LRTK_E_ZEROS;
  err = check_codes(qtype, (size_t)m * (size_t)k, codes);
  if (err != LRTK_OK) return err;

  lrtk_tmac_format f;
  lrtk_tmac_format_of(qtype, &f);
  const int tiles = tiles_of(m), groups = k / group_size, quads = k / 4;
  const float mid = ((1 << qtype) - 1) / 2.0f; /* only used with zeros, never ternary */
  memset(packed_out, 0, lrtk_tmac_packed_bytes(qtype, m, k, group_size));
  uint8_t *out = packed_out;
  for (int t = 0; t < tiles; t++) {
    for (int q = 0; q < quads; q++) {
      for (int j = 0; j < f.planes; j += 2) {
        const int pair = j + 1 < f.planes;
        const int block = pair ? LRTK_TMAC_PAIR_BYTES : LRTK_TMAC_SINGLE_BYTES;
        for (int b = 0; b < block; b++) {
          const int plane = pair ? j + (b & 1) : j;
          const int low_row = pair ? lrtk_tmac_pair_row(b) : lrtk_tmac_single_row(b);
          for (int half = 0; half < 2; half++) {
            const int row = t * LRTK_TMAC_TILE_ROWS + 32 * half + low_row;
            if (row >= m) continue; /* padding rows stay 0 and get scale 0 */
            int nibble = 0;
            for (int i = 0; i < 4; i++)
              nibble |= plane_bit(qtype, codes[(size_t)row * k + 4 * q + i], plane) << i;
            out[b] |= (uint8_t)(nibble << (4 * half));
          }
        }
        out += block;
      }
    }
    for (int g = 0; g < groups; g++) {
      for (int r = 0; r < LRTK_TMAC_TILE_ROWS; r++) {
        size_t dst = ((size_t)t * groups + g) * LRTK_TMAC_TILE_ROWS + r;
        int row = t * LRTK_TMAC_TILE_ROWS + r;
        size_t src = (size_t)row * groups + g;
        const uint16_t scale = row < m ? float_to_half(scales[src]) : 0;
        scales_out[dst] = scale;
        if (has_zeros)
          zeros_out[dst] =
              row < m ? float_to_half(lrtk_half_to_float(scale) * (mid - zeros[src])) : 0;
      }
    }
  }
  return LRTK_OK;
}
