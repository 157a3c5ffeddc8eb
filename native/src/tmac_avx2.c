/* AVX2 kernel. The quad's 16-entry table is broadcast to both 128-bit lanes, so one pshufb
 * looks up 32 nibbles; a 32-byte load gives 64 lookups (low and high nibbles). vpmaddubsw
 * widens lookups to int16 and applies the plane weights in one instruction: in a pair block
 * (see tmac_internal.h) adjacent bytes are two planes of one row, so it adds c_j * plane j +
 * c_j+1 * plane j+1 per row; a single plane block takes one vpmaddubsw for even and one for
 * odd bytes. Its unsigned operand is the lookup, made unsigned by adding 128 to the table (one
 * xor per quad), and the signed one the weights, which can stay in memory; the 128 * c each
 * lookup adds is subtracted once per span. int16 sums may wrap on the way, but the true sum
 * fits int16 (span_quads), so the wrapped result is exact. Only functions marked TARGET use
 * AVX2 and F16C (half scales), so the library still loads on CPUs without them. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "tmac_internal.h"

#define TARGET __attribute__((target("avx2,f16c")))
#define INLINE inline __attribute__((always_inline))
/* Plane weights as vpmaddubsw operands: pair[i] = (c_2i, c_2i+1) on each byte pair; even and
 * odd = (c_last, 0) and (0, c_last) for a single last plane. */
typedef struct {
  __m256i pair[2], even, odd, bias_per_quad;
} weights;

/* Low and high nibble lookups of 32 bytes in a table (unsigned entries). */
TARGET static INLINE void lookup(const uint8_t *p, __m256i table, __m256i *lo, __m256i *hi) {
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i bytes = _mm256_loadu_si256((const __m256i *)p);
  *lo = _mm256_shuffle_epi8(table, _mm256_and_si256(bytes, nibble));
  *hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble));
}

TARGET static INLINE __m256 load_halves(const uint16_t *p) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/* A tile's outputs (rows 8v .. 8v+7 in out[v]) and its plane weights. */
typedef struct {
  __m256 out[8];
  weights wt;
} state;

/* Sums `span` quads starting at p / lut into int16 accumulators (acc[a] = rows 16a..16a+15),
 * then out[r] += (float(sum[r]) * scale[r]) * step, the scalar kernel's order of operations. */
TARGET static INLINE const uint8_t *span_step(void *st, const uint8_t *p, const int8_t *lut,
                                              int span, int planes, const uint16_t *scale,
                                              float step, int g) {
  state *s = st;
  (void)g; /* one token: step and xsum are its own */
  const weights *wt = &s->wt;
  const __m256i to_unsigned = _mm256_set1_epi8((char)0x80);
  __m256i acc[4];
  for (int a = 0; a < 4; a++) acc[a] = _mm256_setzero_si256();
  for (int q = 0; q < span; q++, lut += 16) {
    const __m256i table = _mm256_xor_si256(
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)lut)), to_unsigned);
    __m256i lo, hi;
    for (int j = 0; j + 1 < planes; j += 2, p += LRTK_TMAC_PAIR_BYTES) {
      _mm_prefetch((const char *)p + LRTK_TMAC_PREFETCH_BYTES, _MM_HINT_T0); /* one line per block */
      for (int h = 0; h < 2; h++) {
        lookup(p + 32 * h, table, &lo, &hi);
        acc[h] = _mm256_add_epi16(acc[h], _mm256_maddubs_epi16(lo, wt->pair[j / 2]));
        acc[2 + h] = _mm256_add_epi16(acc[2 + h], _mm256_maddubs_epi16(hi, wt->pair[j / 2]));
      }
    }
    if (planes & 1) {
      _mm_prefetch((const char *)p + LRTK_TMAC_PREFETCH_BYTES, _MM_HINT_T0);
      lookup(p, table, &lo, &hi);
      p += LRTK_TMAC_SINGLE_BYTES;
      acc[0] = _mm256_add_epi16(acc[0], _mm256_maddubs_epi16(lo, wt->even));
      acc[1] = _mm256_add_epi16(acc[1], _mm256_maddubs_epi16(lo, wt->odd));
      acc[2] = _mm256_add_epi16(acc[2], _mm256_maddubs_epi16(hi, wt->even));
      acc[3] = _mm256_add_epi16(acc[3], _mm256_maddubs_epi16(hi, wt->odd));
    }
  }
  const __m256i bias = _mm256_mullo_epi16(wt->bias_per_quad, _mm256_set1_epi16((short)span));
  const __m256 vstep = _mm256_set1_ps(step);
  for (int a = 0; a < 4; a++) {
    const __m256i sums = _mm256_sub_epi16(acc[a], bias);
    const __m128i halves[2] = {_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1)};
    for (int h = 0; h < 2; h++) {
      const int v = 2 * a + h; /* rows 8v .. 8v+7 */
      __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(halves[h]));
      f = _mm256_mul_ps(_mm256_mul_ps(f, load_halves(scale + 8 * v)), vstep);
      s->out[v] = _mm256_add_ps(s->out[v], f);
    }
  }
  return p;
}

TARGET static INLINE void bias_step(void *st, const uint16_t *bias, float xsum, int g) {
  state *s = st;
  (void)g; /* one token: step and xsum are its own */
  const __m256 xs = _mm256_set1_ps(xsum);
  for (int v = 0; v < 8; v++)
    s->out[v] = _mm256_add_ps(s->out[v], _mm256_mul_ps(load_halves(bias + 8 * v), xs));
}

TARGET static INLINE void tile(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int planes,
                               int tile_index, const lrtk_tmac_tables *t, float result[64]) {
  state s;
  int coef_sum = 0;
  for (int j = 0; j < planes; j++) coef_sum += f->coef[j];
  for (int j = 0; j + 1 < planes; j += 2)
    s.wt.pair[j / 2] = _mm256_set1_epi16(lrtk_tmac_coef_pair(f->coef[j], f->coef[j + 1]));
  s.wt.even = _mm256_set1_epi16(lrtk_tmac_coef_pair(f->coef[planes - 1], 0));
  s.wt.odd = _mm256_set1_epi16(lrtk_tmac_coef_pair(0, f->coef[planes - 1]));
  s.wt.bias_per_quad = _mm256_set1_epi16((short)(128 * coef_sum));
  for (int v = 0; v < 8; v++) s.out[v] = _mm256_setzero_ps();
  lrtk_tmac_walk_tile(w, f, planes, tile_index, t, &s, span_step, bias_step);
  for (int v = 0; v < 8; v++) _mm256_storeu_ps(result + 8 * v, s.out[v]);
}

/* lrtk_tmac_build_tables with 8 entries per instruction: the same float operations in the
 * same order, then int32 -> int8 and the 8 negated entries in reverse order. */
TARGET void lrtk_tmac_build_tables_avx2(const float *x, int k, int group_size, int8_t *lut,
                                        float *lut_scale, float *xsum) {
  const __m256 sign0 = _mm256_setr_ps(-1, 1, -1, 1, -1, 1, -1, 1);
  const __m256 sign1 = _mm256_setr_ps(-1, -1, 1, 1, -1, -1, 1, 1);
  const __m256 sign2 = _mm256_setr_ps(-1, -1, -1, -1, 1, 1, 1, 1);
  const __m256 half = _mm256_set1_ps(0.5f), sign_bit = _mm256_set1_ps(-0.0f);
  const __m256i lowest = _mm256_set1_epi32(-127), highest = _mm256_set1_epi32(127);
  const __m128i mirror = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 15, 14, 13, 12, 11, 10, 9, 8);
  for (int g = 0; g < k / group_size; g++) {
    const float *xg = x + (size_t)g * group_size;
    const __m256 inv_step =
        _mm256_set1_ps(lrtk_tmac_group_stats(xg, group_size, &lut_scale[g], &xsum[g]));
    for (int c = 0; c < group_size; c += 4) {
      const __m256 v = _mm256_add_ps(
          _mm256_add_ps(_mm256_mul_ps(sign0, _mm256_set1_ps(xg[c])),
                        _mm256_mul_ps(sign1, _mm256_set1_ps(xg[c + 1]))),
          _mm256_sub_ps(_mm256_mul_ps(sign2, _mm256_set1_ps(xg[c + 2])), _mm256_set1_ps(xg[c + 3])));
      const __m256 y = _mm256_mul_ps(v, inv_step);
      const __m256 rounder = _mm256_or_ps(_mm256_and_ps(y, sign_bit), half); /* +-0.5 */
      __m256i q = _mm256_cvttps_epi32(_mm256_add_ps(y, rounder));
      q = _mm256_min_epi32(_mm256_max_epi32(q, lowest), highest);
      const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
      const __m128i q8 = _mm_packs_epi16(q16, q16);
      const __m128i both = _mm_unpacklo_epi64(q8, _mm_sub_epi8(_mm_setzero_si128(), q8));
      _mm_storeu_si128((__m128i *)(lut + ((size_t)g * group_size + c) * 4),
                       _mm_shuffle_epi8(both, mirror));
    }
  }
}

TARGET void lrtk_tmac_tile_avx2(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int t_index,
                                const lrtk_tmac_tables *t, float out[64]) {
  LRTK_TMAC_BY_PLANES(tile, w, f, t_index, t, out)
}
#endif
