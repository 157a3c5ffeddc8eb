/* int8 prefill kernel with AVX-512 VNNI and GFNI. A group of a tile is unpacked into codes
 * by a bit transpose: vpermt2b gathers, for two rows X and Y, the bytes that hold their
 * planes (a byte holds a plane of row r in its low nibble and of row r + 32 in its high one)
 * into one qword, and gf2p8affineqb with the identity as the vector operand transposes that
 * 8x8 bit matrix, so output byte k holds bit k of every plane byte: the code of column k of X
 * (k < 4) or of X + 32 (k >= 4) in its low nibble, of Y and Y + 32 in its high nibble. A quad
 * of 64 rows takes two gathers, two transposes and four masks, whatever the bit width. The
 * codes come out in a fixed row order (row_of below), which the group's scales and zero
 * points follow (one vpermt2w each per group) and the outputs are put back from at the end.
 *
 * vpdpbusd then adds code x activation products four columns at a time into int32 sums for
 * 16 rows per register, the activations of a token broadcast four bytes at a time; codes
 * are the unsigned operand and activations the signed one. The integer sums are exact, so
 * this equals lrtk_int8_tile_scalar bit for bit. Only functions marked TARGET use AVX-512,
 * so the library still loads on CPUs without it. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "tmac_internal.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni,gfni,avx2,f16c")))
#define INLINE inline __attribute__((always_inline))
/* Tokens per pass over a group's codes: 4 x 4 int32 accumulators, the codes of a quad (4
 * registers) and the broadcast stay in registers (6 tokens were slower: 0.8x at 4 bits). */
#define TOKENS 4

/* Code register v (0-3), dword e (0-15) holds row row_of(v, e): the gather d = v / 2 takes
 * rows X = 16d + 2q, Y = X + 1 into qword q = e / 2; v odd is the high nibbles (Y), e odd
 * the row + 32. */
static inline int row_of(int v, int e) {
  return 16 * (v / 2) + 2 * (e / 2) + (v & 1) + 32 * (e & 1);
}

/* Where a plane byte of row r (0-31) sits in the two gather sources: the first pair block
 * (planes 0, 1) as operand a, and the second pair (planes 2, 3) or the single last block
 * (plane 2, or plane 0 of 1-bit weights) as operand b (index + 64); -1: no such plane. */
static int plane_byte(int planes, int j, int r) {
  const int single = 2 * (r % 16) + r / 16;
  if (planes == 1) return j == 0 ? 64 + single : -1;
  if (j < 2) return 2 * r + j;
  if (planes == 4) return 64 + 2 * r + (j - 2);
  return planes == 3 && j == 2 ? 64 + single : -1;
}

typedef struct {
  __m512i gather[2];      /* vpermt2b indexes of the two gathers */
  __mmask64 present[2];   /* bytes that are a plane (the others are zeroed) */
  __m512i scale_order[2]; /* vpermt2w indexes: a group's 64 halves in code row order */
} unpack_plan;

TARGET static INLINE void make_plan(int planes, unpack_plan *plan) {
  uint8_t index[2][64];
  uint16_t order[64];
  uint64_t present[2] = {0, 0};
  for (int d = 0; d < 2; d++)
    for (int q = 0; q < 8; q++)
      for (int k = 0; k < 8; k++) {
        /* gf2p8affineqb: result bit i of each byte comes from byte 7 - i of the qword, so the
         * planes 0-3 of X fill bytes 7-4 and those of Y bytes 3-0 */
        const int r = 16 * d + 2 * q + (k < 4), j = k < 4 ? 3 - k : 7 - k;
        const int at = plane_byte(planes, j, r);
        index[d][8 * q + k] = (uint8_t)(at < 0 ? 0 : at);
        if (at >= 0) present[d] |= 1ull << (8 * q + k);
      }
  for (int v = 0; v < 4; v++)
    for (int e = 0; e < 16; e++) order[16 * v + e] = (uint16_t)row_of(v, e);
  for (int d = 0; d < 2; d++) {
    plan->gather[d] = _mm512_loadu_si512(index[d]);
    plan->present[d] = present[d];
    plan->scale_order[d] = _mm512_loadu_si512(order + 32 * d);
  }
}

/* One group's planes into codes: register v of a quad at codes + 64 v. Ternary planes
 * (code >= 1, code >= 2) transpose to b0 + 2 b1 in {0, 1, 3}; minus b1 that is the code. */
TARGET static INLINE const uint8_t *unpack_group(const uint8_t *p, int planes, int ternary,
                                                 int group_quads, const unpack_plan *plan,
                                                 uint8_t *codes) {
  const __m512i identity = _mm512_set1_epi64(0x8040201008040201ll), low = _mm512_set1_epi8(15);
  const int quad_bytes = planes * 32;
  for (int q = 0; q < group_quads; q++, p += quad_bytes, codes += LRTK_INT8_QUAD_BYTES) {
    const __m512i a = planes >= 2 ? _mm512_loadu_si512((const void *)p) : _mm512_setzero_si512();
    __m512i b = _mm512_setzero_si512();
    if (planes == 4) b = _mm512_loadu_si512((const void *)(p + 64));
    else if (planes & 1)
      b = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(p + (planes == 3 ? 64 : 0))));
    for (int d = 0; d < 2; d++) {
      const __m512i bits = _mm512_maskz_permutex2var_epi8(plan->present[d], a, plan->gather[d], b);
      const __m512i t = _mm512_gf2p8affine_epi64_epi8(identity, bits, 0);
      __m512i x = _mm512_and_si512(t, low), y = _mm512_and_si512(_mm512_srli_epi16(t, 4), low);
      if (ternary) {
        const __m512i one = _mm512_set1_epi8(1);
        x = _mm512_sub_epi8(x, _mm512_and_si512(_mm512_srli_epi16(x, 1), one));
        y = _mm512_sub_epi8(y, _mm512_and_si512(_mm512_srli_epi16(y, 1), one));
      }
      _mm512_storeu_si512(codes + 128 * d, x);
      _mm512_storeu_si512(codes + 128 * d + 64, y);
    }
  }
  return p;
}

/* A group's 64 halves (scales or zero-point biases) as floats in code row order. */
TARGET static INLINE void halves_in_order(const uint16_t *h, const unpack_plan *plan,
                                          __m512 out[4]) {
  const __m512i lo = _mm512_loadu_si512((const void *)h), hi = _mm512_loadu_si512((const void *)(h + 32));
  for (int d = 0; d < 2; d++) {
    const __m512i w = _mm512_permutex2var_epi16(lo, plan->scale_order[d], hi);
    out[2 * d] = _mm512_cvtph_ps(_mm512_castsi512_si256(w));
    out[2 * d + 1] = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(w, 1));
  }
}

/* acc + vpdpbusd(codes, activations). The intrinsic made GCC 12 copy every accumulator to a
 * fresh register and back on each quad (30 moves and a spill per 16 vpdpbusd); the same
 * instruction as inline assembly keeps them in place. */
TARGET static INLINE __m512i dot4(__m512i acc, __m512i codes, __m512i x) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(codes), "v"(x));
  return acc;
}

/* `tokens` tokens from a[0] over one group's codes, added into their outputs o (64 each, in
 * code row order); scale and bias: the group's, in that order (bias NULL without zeros). */
TARGET static INLINE void group_tokens(const uint8_t *codes, int group_quads, int g, int gs,
                                       const lrtk_int8_acts *a, const __m512 scale[4],
                                       const __m512 *bias, float *o, int tokens) {
  __m512i acc[TOKENS][4];
  for (int t = 0; t < tokens; t++)
    for (int v = 0; v < 4; v++) acc[t][v] = _mm512_setzero_si512();
  for (int q = 0; q < group_quads; q++, codes += LRTK_INT8_QUAD_BYTES) {
    __m512i wv[4];
    for (int v = 0; v < 4; v++) wv[v] = _mm512_loadu_si512(codes + 64 * v);
    for (int t = 0; t < tokens; t++) {
      int32_t four;
      memcpy(&four, a[t].q + (size_t)g * gs + 4 * q, sizeof four);
      const __m512i x = _mm512_set1_epi32(four);
      for (int v = 0; v < 4; v++) acc[t][v] = dot4(acc[t][v], wv[v], x);
    }
  }
  for (int t = 0; t < tokens; t++) {
    const __m512i off = _mm512_set1_epi32(a[t].offset[g]);
    const __m512 step = _mm512_set1_ps(a[t].step[g]), xsum = _mm512_set1_ps(a[t].xsum[g]);
    float *ot = o + 64 * t;
    for (int v = 0; v < 4; v++) {
      const __m512i isum = _mm512_sub_epi32(_mm512_add_epi32(acc[t][v], acc[t][v]), off);
      __m512 out = _mm512_add_ps(
          _mm512_loadu_ps(ot + 16 * v),
          _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(isum), scale[v]), step));
      if (bias) out = _mm512_add_ps(out, _mm512_mul_ps(bias[v], xsum));
      _mm512_storeu_ps(ot + 16 * v, out);
    }
  }
}

TARGET static INLINE void tile(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int planes,
                               int tile_index, const lrtk_int8_acts *a, int n, float *out) {
  const int gs = w->group_size, groups = w->k / gs, group_quads = gs / 4;
  const int ternary = w->qtype == LRTK_Q_TERNARY;
  const lrtk_tmac_tile_data at = lrtk_tmac_tile_at(w, planes, tile_index);
  const uint8_t *p = at.packed;
  const uint16_t *scale = at.scale, *bias = at.bias;
  _Alignas(64) uint8_t codes[LRTK_INT8_QUAD_BYTES * 32]; /* one group of at most 128 columns */
  _Alignas(64) float sums[LRTK_INT8_MAX_BATCH * 64];    /* outputs in code row order */
  unpack_plan plan;
  make_plan(planes, &plan);
  (void)f;
  for (int r = 0; r < 64 * n; r++) sums[r] = 0.0f;
  for (int g = 0; g < groups; g++, scale += 64) {
    p = unpack_group(p, planes, ternary, group_quads, &plan, codes);
    __m512 s[4], b[4];
    halves_in_order(scale, &plan, s);
    if (bias) halves_in_order(bias, &plan, b);
    for (int t = 0; t < n; t += TOKENS) {
      const lrtk_int8_acts *at_t = a + t;
      float *o = sums + 64 * t;
      const __m512 *bg = bias ? b : NULL;
      switch (n - t < TOKENS ? n - t : TOKENS) {
        case 1: group_tokens(codes, group_quads, g, gs, at_t, s, bg, o, 1); break;
        case 2: group_tokens(codes, group_quads, g, gs, at_t, s, bg, o, 2); break;
        case 3: group_tokens(codes, group_quads, g, gs, at_t, s, bg, o, 3); break;
        default: group_tokens(codes, group_quads, g, gs, at_t, s, bg, o, 4); break;
      }
    }
    if (bias) bias += 64;
  }
  for (int t = 0; t < n; t++)
    for (int v = 0; v < 4; v++)
      for (int e = 0; e < 16; e++) out[64 * t + row_of(v, e)] = sums[64 * t + 16 * v + e];
}

TARGET void lrtk_int8_tile_vnni(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f,
                                int tile_index, const lrtk_int8_acts *a, int n, float *out) {
  LRTK_TMAC_BY_PLANES(tile, w, f, tile_index, a, n, out)
}
#endif
