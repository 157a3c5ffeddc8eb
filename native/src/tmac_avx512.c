/* AVX-512 kernel (AVX-512BW + VBMI). A pair block (see tmac_internal.h) is 64 bytes, one zmm:
 * its low nibbles are rows 0-31 and its high nibbles rows 32-63, two planes per row in
 * adjacent bytes, so a quad of a pair costs one load, one shift, two lookups, two vpmaddubsw
 * and two adds, half the instructions of the AVX2 kernel.
 *
 * Lookups use vpermb on the quad's 16-entry table repeated in all four 128-bit lanes: vpermb
 * reads 6 index bits, and bits 4-5 select a copy of the same table, so the raw byte indexes
 * its low nibble and the byte shifted right by 4 (in 16-bit words) its high nibble, without
 * the masks pshufb needs (bit 7 would zero its result).
 *
 * vpmaddubsw takes the plane weights (1, 2, 4, 8: unsigned) as its unsigned operand and the
 * lookups (signed table entries) as its signed one, so unlike the AVX2 kernel nothing is
 * biased to unsigned: c_j * l_j + c_j+1 * l_j+1 is at most 12 * 127 and never saturates. As
 * there, int16 sums may wrap on the way, but the true sum fits int16 (span_quads), so the
 * wrapped result is exact and equals the scalar kernel's int32 sum.
 *
 * VNNI's vpdpbusd would add four adjacent bytes, which are two rows in this layout; keeping
 * rows apart takes two of them where vpmaddubsw + vpaddw also take two, so VNNI is not used.
 * GFNI (gf2p8affineqb: the high nibble in one instruction instead of a shift) was 1-3% slower
 * on Zen 4.
 *
 * Software prefetch (each block's line LRTK_TMAC_PREFETCH_BYTES ahead, as the AVX2 kernel
 * does) depends on the core. On Zen 4 it made this kernel 7% (2-bit) and 12-15% (4-bit)
 * slower (EPYC VM, 1 thread, 4096x4096 streamed over 60 copies, alternated in one process,
 * three runs): the hardware prefetchers stream the huge-page weights on their own there. On
 * Zen 5 (family 1Ah) it made the 11264x2048 GEMV (TinyLlama's gate and up) 10% faster on 1
 * thread and 5% on 2, and TinyLlama decode 12-18% faster (2 and 4 bits, 1 and 2 threads,
 * alternated; 4 and 16 KiB ahead gained less, the T1 and T2 hints less too; docs/kernels.md).
 * So it is off on Zen 4 only; other CPUs with AVX-512 (Intel's) are unmeasured and get the
 * AVX2 kernel's choice.
 *
 * A tile that runs for one token (decoding) prefetches its weights non-temporally
 * (prefetchnta): they are read once per token, and lines fetched for the caches are later
 * evicted through L2 into L3, which on Zen is a victim cache, moving every weight byte twice
 * more. TinyLlama decode on Zen 5 was 5% (2-bit) and 8% (4-bit) faster on one thread and 4%
 * and 8% on two (alternated in one shell loop; docs/kernels.md). A pair's tile is read again
 * by the batch's next pair, so it keeps the caching hint; a lone token after the pairs (an
 * odd batch) finds its lines cached already.
 *
 * In a batch (prefill) a tile runs for two tokens at once, so each block is loaded and split
 * into indexes once per pair: per token 1.06-1.08x (4 bits), 1.12x (3 bits), 1.01-1.03x (2
 * bits) as fast on 16-token GEMMs of the TinyLlama shapes (Zen 4 VM, 1 thread, CPU time,
 * medians of 5-9 alternations with the one-token kernel; see docs/kernels.md "Prefill").
 * Only functions marked TARGET use AVX-512, so the library still loads on CPUs without it. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "tmac_internal.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi,avx2,f16c")))
#define INLINE inline __attribute__((always_inline))

/* Plane weights as vpmaddubsw's unsigned operand: pair[i] = (c_2i, c_2i+1) on each byte pair;
 * even and odd = (c_last, 0) and (0, c_last) for a single last plane. */
typedef struct {
  __m512i pair[2], even, odd;
} weights;

/* The indexes of a 64-byte pair block's lookups: rows 0-31 (low nibbles, the raw bytes) and
 * rows 32-63 (high nibbles). */
TARGET static INLINE void pair_indexes(const uint8_t *p, __m512i *lo, __m512i *hi) {
  *lo = _mm512_loadu_si512((const void *)p);
  *hi = _mm512_srli_epi16(*lo, 4);
}

/* The indexes of a 32-byte single block: low nibbles in the lower 32 bytes, high nibbles in
 * the upper 32, so even bytes hold rows 0-15 | 32-47 and odd bytes rows 16-31 | 48-63. */
TARGET static INLINE __m512i single_indexes(const uint8_t *p) {
  const __m256i bytes = _mm256_loadu_si256((const __m256i *)p);
  return _mm512_inserti64x4(_mm512_castsi256_si512(bytes), _mm256_srli_epi16(bytes, 4), 1);
}

TARGET static INLINE __m512 load_halves(const uint16_t *p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

/* Up to two tokens' outputs (token i's rows 16v .. 16v+15 in out[i][v]) and the plane
 * weights. A tile runs for two tokens at once where the batch has them: each block is loaded
 * and split into indexes once for both (prefill; the pair's second token's tables are
 * second->lut etc., found at the first token's offsets). */
typedef struct {
  __m512 out[2][4];
  weights wt;
  const lrtk_tmac_tables *first, *second;
  int prefetch; /* bytes ahead of each block to ask for, or 0 (see the top) */
} state;

/* Asks for the line `ahead` bytes past block p, if ahead is not 0: non-temporal for a tile
 * that runs for one token, to the caches for a pair (see the top). */
TARGET static INLINE void prefetch_ahead(const uint8_t *p, int ahead, int tokens) {
  if (ahead && tokens == 1) _mm_prefetch((const char *)p + ahead, _MM_HINT_NTA);
  else if (ahead) _mm_prefetch((const char *)p + ahead, _MM_HINT_T0);
}

/* A group's 64 half scales (or zero-point biases) are two lines, read once per token like the
 * weights: for one token, ask for those of the group SCALE_GROUPS_AHEAD on, non-temporally. */
#define SCALE_GROUPS_AHEAD 8 /* 4 was 2% slower at 2 bits, one thread */
TARGET static INLINE void prefetch_halves(const state *s, const uint16_t *group, int tokens) {
  if (!s->prefetch || tokens != 1) return;
  const char *ahead = (const char *)(group + SCALE_GROUPS_AHEAD * LRTK_TMAC_TILE_ROWS);
  _mm_prefetch(ahead, _MM_HINT_NTA);
  _mm_prefetch(ahead + 64, _MM_HINT_NTA);
}

/* Sums `span` quads starting at p / lut into int16 accumulators (acc[i][a] = token i's rows
 * 32a..32a+31), then out[r] += (float(sum[r]) * scale[r]) * step, the scalar kernel's order
 * of operations; out[i][v] gets the lower or upper half of acc[i][v / 2]. */
TARGET static INLINE const uint8_t *span_tokens(state *s, const uint8_t *p, const int8_t *lut,
                                                int span, int planes, const uint16_t *scale,
                                                float step, int g, int tokens) {
  const weights *wt = &s->wt;
  const ptrdiff_t at = lut - s->first->lut;
  __m512i acc[2][2], even[2], odd[2];
  prefetch_halves(s, scale, tokens);
  for (int i = 0; i < tokens; i++)
    acc[i][0] = acc[i][1] = even[i] = odd[i] = _mm512_setzero_si512();
  for (int q = 0; q < span; q++, lut += 16) {
    __m512i table[2];
    for (int i = 0; i < tokens; i++) {
      const int8_t *l = i ? s->second->lut + at + 16 * q : lut;
      table[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)l));
    }
    for (int j = 0; j + 1 < planes; j += 2, p += LRTK_TMAC_PAIR_BYTES) {
      __m512i lo, hi;
      prefetch_ahead(p, s->prefetch, tokens);
      pair_indexes(p, &lo, &hi);
      for (int i = 0; i < tokens; i++) {
        acc[i][0] = _mm512_add_epi16(
            acc[i][0], _mm512_maddubs_epi16(wt->pair[j / 2], _mm512_permutexvar_epi8(lo, table[i])));
        acc[i][1] = _mm512_add_epi16(
            acc[i][1], _mm512_maddubs_epi16(wt->pair[j / 2], _mm512_permutexvar_epi8(hi, table[i])));
      }
    }
    if (planes & 1) {
      prefetch_ahead(p, s->prefetch, tokens);
      const __m512i index = single_indexes(p);
      p += LRTK_TMAC_SINGLE_BYTES;
      for (int i = 0; i < tokens; i++) {
        const __m512i l = _mm512_permutexvar_epi8(index, table[i]);
        even[i] = _mm512_add_epi16(even[i], _mm512_maddubs_epi16(wt->even, l));
        odd[i] = _mm512_add_epi16(odd[i], _mm512_maddubs_epi16(wt->odd, l));
      }
    }
  }
  for (int i = 0; i < tokens; i++) {
    if (planes & 1) { /* 128-bit lanes: even = rows 0-15 | 32-47, odd = rows 16-31 | 48-63 */
      acc[i][0] = _mm512_add_epi16(acc[i][0], _mm512_shuffle_i64x2(even[i], odd[i], 0x44));
      acc[i][1] = _mm512_add_epi16(acc[i][1], _mm512_shuffle_i64x2(even[i], odd[i], 0xee));
    }
    const __m512 vstep = _mm512_set1_ps(i ? s->second->lut_scale[g] : step);
    for (int v = 0; v < 4; v++) {
      const __m256i sums = v & 1 ? _mm512_extracti64x4_epi64(acc[i][v / 2], 1)
                                 : _mm512_castsi512_si256(acc[i][v / 2]);
      const __m512 f = _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(sums));
      s->out[i][v] = _mm512_add_ps(
          s->out[i][v], _mm512_mul_ps(_mm512_mul_ps(f, load_halves(scale + 16 * v)), vstep));
    }
  }
  return p;
}

TARGET static INLINE void bias_tokens(state *s, const uint16_t *bias, float xsum, int g,
                                      int tokens) {
  prefetch_halves(s, bias, tokens);
  for (int i = 0; i < tokens; i++) {
    const __m512 xs = _mm512_set1_ps(i ? s->second->xsum[g] : xsum);
    for (int v = 0; v < 4; v++)
      s->out[i][v] = _mm512_add_ps(s->out[i][v], _mm512_mul_ps(load_halves(bias + 16 * v), xs));
  }
}

/* The walk's steps for one token and for two. */
TARGET static INLINE const uint8_t *span_one(void *st, const uint8_t *p, const int8_t *lut,
                                             int span, int planes, const uint16_t *scale,
                                             float step, int g) {
  return span_tokens(st, p, lut, span, planes, scale, step, g, 1);
}
TARGET static INLINE const uint8_t *span_two(void *st, const uint8_t *p, const int8_t *lut,
                                             int span, int planes, const uint16_t *scale,
                                             float step, int g) {
  return span_tokens(st, p, lut, span, planes, scale, step, g, 2);
}
TARGET static INLINE void bias_one(void *st, const uint16_t *bias, float xsum, int g) {
  bias_tokens(st, bias, xsum, g, 1);
}
TARGET static INLINE void bias_two(void *st, const uint16_t *bias, float xsum, int g) {
  bias_tokens(st, bias, xsum, g, 2);
}

/* result[i] = the tile's 64 outputs for tables t[i], i < tokens (1 or 2). */
TARGET static INLINE void tile(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int planes,
                               int tile_index, const lrtk_tmac_tables *t, float *result,
                               int tokens) {
  state s;
  s.first = &t[0], s.second = &t[tokens - 1];
  s.prefetch = lrtk_tmac_avx512_prefetch_bytes();
  for (int j = 0; j + 1 < planes; j += 2)
    s.wt.pair[j / 2] = _mm512_set1_epi16(lrtk_tmac_coef_pair(f->coef[j], f->coef[j + 1]));
  s.wt.even = _mm512_set1_epi16(lrtk_tmac_coef_pair(f->coef[planes - 1], 0));
  s.wt.odd = _mm512_set1_epi16(lrtk_tmac_coef_pair(0, f->coef[planes - 1]));
  for (int i = 0; i < tokens; i++)
    for (int v = 0; v < 4; v++) s.out[i][v] = _mm512_setzero_ps();
  if (tokens == 2) lrtk_tmac_walk_tile(w, f, planes, tile_index, t, &s, span_two, bias_two);
  else lrtk_tmac_walk_tile(w, f, planes, tile_index, t, &s, span_one, bias_one);
  for (int i = 0; i < tokens; i++)
    for (int v = 0; v < 4; v++) _mm512_storeu_ps(result + 64 * i + 16 * v, s.out[i][v]);
}

TARGET static INLINE void tile_one(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f,
                                   int planes, int tile_index, const lrtk_tmac_tables *t,
                                   float *out) {
  tile(w, f, planes, tile_index, t, out, 1);
}
TARGET static INLINE void tile_two(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f,
                                   int planes, int tile_index, const lrtk_tmac_tables *t,
                                   float *out) {
  tile(w, f, planes, tile_index, t, out, 2);
}

/* lrtk_tmac_group_stats of one group: the largest quad sum of |x| (four quads per vector, each
 * summed as (|x0| + |x1|) + (|x2| + |x3|) in every lane of its quad; max ignores order) and the
 * sum of x in eight lanes combined in the scalar builder's order. Returns 127 / amax (0 for an
 * all-zero group). Written out because GCC does not vectorize the shared function's loop over
 * quads: inlined here instead, it made this builder 1.21 us at k = 2048 instead of 0.70. */
TARGET static INLINE float group_stats(const float *xg, int group_size, float *lut_scale,
                                       float *xsum) {
  const __m512i swap1 = _mm512_setr_epi32(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  const __m512i swap2 = _mm512_setr_epi32(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  __m512 amax = _mm512_setzero_ps();
  __m256 part = _mm256_setzero_ps();
  for (int c = 0; c < group_size; c += 16) {
    const __m512 a = _mm512_abs_ps(_mm512_loadu_ps(xg + c));
    const __m512 pairs = _mm512_add_ps(a, _mm512_permutexvar_ps(swap1, a));
    /* max(quads, amax): a NaN quad leaves amax as it was, as the scalar comparison does */
    amax = _mm512_max_ps(_mm512_add_ps(pairs, _mm512_permutexvar_ps(swap2, pairs)), amax);
  }
  for (int c = 0; c < group_size; c += 8) part = _mm256_add_ps(part, _mm256_loadu_ps(xg + c));
  float p[8];
  _mm256_storeu_ps(p, part);
  *xsum = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
  const float m = _mm512_reduce_max_ps(amax);
  *lut_scale = 0.5f * (m / 127.0f);
  return m > 0.0f ? 127.0f / m : 0.0f;
}

/* lrtk_tmac_build_tables with two quads per vector: lanes 0-7 compute entries 0-7 of the first
 * quad and lanes 8-15 those of the second, with the scalar builder's float operations in its
 * order; then int32 -> int8 and each quad's 8 negated entries in reverse order, one 32-byte
 * store per pair of quads. Every GEMV's threads build the token's tables before their tiles:
 * 0.68 us for k = 2048 against the AVX2 builder's 1.27 (Zen 5, hot), and two-thread TinyLlama
 * decode 1.5% faster; with no tables built at all it was 2.3% faster (docs/kernels.md). */
TARGET void lrtk_tmac_build_tables_avx512(const float *x, int k, int group_size, int8_t *lut,
                                          float *lut_scale, float *xsum) {
  const __m512 sign0 = _mm512_setr_ps(-1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1);
  const __m512 sign1 = _mm512_setr_ps(-1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1);
  const __m512 sign2 = _mm512_setr_ps(-1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1, -1, 1, 1, 1, 1);
  __m512i pick[4]; /* x_i of the lane's quad: element i (lanes 0-7) or 4 + i (lanes 8-15) */
  for (int i = 0; i < 4; i++)
    pick[i] = _mm512_mask_set1_epi32(_mm512_set1_epi32(i), 0xff00, 4 + i);
  /* +-0.5 with y's sign, in integer ops: the float ones are AVX-512DQ's */
  const __m512i half = _mm512_castps_si512(_mm512_set1_ps(0.5f)),
                sign_bit = _mm512_set1_epi32((int)0x80000000u);
  const __m512i lowest = _mm512_set1_epi32(-127), highest = _mm512_set1_epi32(127);
  /* bytes [q | -q] -> quad A's 8 entries, their negations in reverse, then quad B's likewise
   * (the upper 32 bytes of the result are not stored) */
  const __m512i mirror = _mm512_castsi256_si512(
      _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 23, 22, 21, 20, 19, 18, 17, 16, 8, 9, 10, 11, 12,
                       13, 14, 15, 31, 30, 29, 28, 27, 26, 25, 24));
  for (int g = 0; g < k / group_size; g++) {
    const float *xg = x + (size_t)g * group_size;
    const __m512 inv_step = _mm512_set1_ps(group_stats(xg, group_size, &lut_scale[g], &xsum[g]));
    for (int c = 0; c < group_size; c += 8) {
      const __m512 two = _mm512_castps256_ps512(_mm256_loadu_ps(xg + c));
      const __m512 v = _mm512_add_ps(
          _mm512_add_ps(_mm512_mul_ps(sign0, _mm512_permutexvar_ps(pick[0], two)),
                        _mm512_mul_ps(sign1, _mm512_permutexvar_ps(pick[1], two))),
          _mm512_sub_ps(_mm512_mul_ps(sign2, _mm512_permutexvar_ps(pick[2], two)),
                        _mm512_permutexvar_ps(pick[3], two)));
      const __m512 y = _mm512_mul_ps(v, inv_step);
      const __m512i y_sign = _mm512_and_si512(_mm512_castps_si512(y), sign_bit);
      const __m512 rounder = _mm512_castsi512_ps(_mm512_or_si512(y_sign, half));
      __m512i q = _mm512_cvttps_epi32(_mm512_add_ps(y, rounder));
      q = _mm512_min_epi32(_mm512_max_epi32(q, lowest), highest);
      const __m128i q8 = _mm512_cvtepi32_epi8(q);
      const __m512i both = _mm512_inserti32x4(_mm512_castsi128_si512(q8),
                                              _mm_sub_epi8(_mm_setzero_si128(), q8), 1);
      _mm256_storeu_si256((__m256i *)(lut + ((size_t)g * group_size + c) * 4),
                          _mm512_castsi512_si256(_mm512_permutexvar_epi8(mirror, both)));
    }
  }
}

TARGET void lrtk_tmac_tile_avx512(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f,
                                  int t_index, const lrtk_tmac_tables *t, float out[64]) {
  LRTK_TMAC_BY_PLANES(tile_one, w, f, t_index, t, out)
}

TARGET void lrtk_tmac_tile2_avx512(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f,
                                   int t_index, const lrtk_tmac_tables *t, float out[128]) {
  LRTK_TMAC_BY_PLANES(tile_two, w, f, t_index, t, out)
}
#endif
