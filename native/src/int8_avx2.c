/* int8 prefill kernel with AVX2, for CPUs without AVX-512 VNNI: the same unpacked codes as
 * the VNNI kernel (a nibble becomes four bytes by one multiply: n * 0x00204081 puts bit i of
 * n at bit 8i, no carries for n < 16), then vpmaddubsw (codes unsigned, activations signed)
 * sums pairs of columns into int16, up to 8 quads before vpmaddwd widens them to int32: a
 * pair is at most 2 * 15 * 127, 8 quads of it 30480 < 32767, so nothing saturates and the
 * sums equal lrtk_int8_tile_scalar's. Only functions marked TARGET use AVX2. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "tmac_internal.h"

#define TARGET __attribute__((target("avx2,f16c")))
#define INLINE inline __attribute__((always_inline))
#define SPREAD 0x00204081u
#define QUADS_IN_INT16 8

/* Bits of the nibble at bit `shift` of each dword of d, times coef (a power of 2), one per
 * byte. */
TARGET static INLINE __m256i spread(__m256i d, int shift, uint32_t coef) {
  const __m256i n = _mm256_and_si256(_mm256_srli_epi32(d, shift), _mm256_set1_epi32(15));
  return _mm256_and_si256(_mm256_mullo_epi32(n, _mm256_set1_epi32((int)(SPREAD * coef))),
                          _mm256_set1_epi32((int)(0x01010101u * coef)));
}

/* One group's planes into codes, ymm v of a quad = rows 8v..8v+7 (see the VNNI kernel for
 * where a block's words keep each row). */
TARGET static INLINE const uint8_t *unpack_group(const uint8_t *p, const lrtk_tmac_format *f,
                                                 int planes, int group_quads, uint8_t *codes) {
  for (int q = 0; q < group_quads; q++, codes += LRTK_INT8_QUAD_BYTES) {
    __m256i acc[8];
    for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_si256();
    for (int j = 0; j + 1 < planes; j += 2, p += LRTK_TMAC_PAIR_BYTES) {
      const uint32_t c0 = (uint32_t)f->coef[j], c1 = (uint32_t)f->coef[j + 1];
      for (int s = 0; s < 4; s++) {
        const __m256i d = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p + 16 * s)));
        acc[s] = _mm256_add_epi32(acc[s], _mm256_add_epi32(spread(d, 0, c0), spread(d, 8, c1)));
        acc[4 + s] = _mm256_add_epi32(acc[4 + s],
                                      _mm256_add_epi32(spread(d, 4, c0), spread(d, 12, c1)));
      }
    }
    if (planes & 1) {
      const uint32_t c = (uint32_t)f->coef[planes - 1];
      for (int s = 0; s < 2; s++) {
        const __m256i d = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p + 16 * s)));
        acc[s] = _mm256_add_epi32(acc[s], spread(d, 0, c));
        acc[2 + s] = _mm256_add_epi32(acc[2 + s], spread(d, 8, c));
        acc[4 + s] = _mm256_add_epi32(acc[4 + s], spread(d, 4, c));
        acc[6 + s] = _mm256_add_epi32(acc[6 + s], spread(d, 12, c));
      }
      p += LRTK_TMAC_SINGLE_BYTES;
    }
    for (int v = 0; v < 8; v++) _mm256_storeu_si256((__m256i *)(codes + 32 * v), acc[v]);
  }
  return p;
}

/* Token t's sums of one group for rows 32h..32h+31 (4 registers). */
TARGET static INLINE void group_sums(const uint8_t *codes, int group_quads, const int8_t *q,
                                     int h, __m256i sums[4]) {
  const __m256i ones = _mm256_set1_epi16(1);
  for (int v = 0; v < 4; v++) sums[v] = _mm256_setzero_si256();
  for (int q0 = 0; q0 < group_quads; q0 += QUADS_IN_INT16) {
    __m256i acc[4];
    for (int v = 0; v < 4; v++) acc[v] = _mm256_setzero_si256();
    const int end = q0 + QUADS_IN_INT16 < group_quads ? q0 + QUADS_IN_INT16 : group_quads;
    for (int qq = q0; qq < end; qq++) {
      int32_t four;
      memcpy(&four, q + 4 * qq, sizeof four);
      const __m256i x = _mm256_set1_epi32(four);
      const uint8_t *c = codes + LRTK_INT8_QUAD_BYTES * qq + 128 * h;
      for (int v = 0; v < 4; v++)
        acc[v] = _mm256_add_epi16(
            acc[v], _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(c + 32 * v)), x));
    }
    for (int v = 0; v < 4; v++) sums[v] = _mm256_add_epi32(sums[v], _mm256_madd_epi16(acc[v], ones));
  }
}

TARGET static INLINE void tile(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int planes,
                               int tile_index, const lrtk_int8_acts *a, int n, float *out) {
  const int gs = w->group_size, groups = w->k / gs, group_quads = gs / 4;
  const lrtk_tmac_tile_data at = lrtk_tmac_tile_at(w, planes, tile_index);
  const uint8_t *p = at.packed;
  const uint16_t *scale = at.scale, *bias = at.bias;
  _Alignas(32) uint8_t codes[LRTK_INT8_QUAD_BYTES * 32]; /* one group of at most 128 columns */
  for (int r = 0; r < 64 * n; r++) out[r] = 0.0f;
  for (int g = 0; g < groups; g++, scale += 64) {
    p = unpack_group(p, f, planes, group_quads, codes);
    for (int t = 0; t < n; t++) {
      const __m256i off = _mm256_set1_epi32(a[t].offset[g]);
      const __m256 step = _mm256_set1_ps(a[t].step[g]), xsum = _mm256_set1_ps(a[t].xsum[g]);
      for (int h = 0; h < 2; h++) {
        __m256i sums[4];
        group_sums(codes, group_quads, a[t].q + (size_t)g * gs, h, sums);
        for (int v = 0; v < 4; v++) {
          const int row = 32 * h + 8 * v;
          float *o = out + 64 * t + row;
          const __m256 s = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(scale + row)));
          const __m256i isum = _mm256_sub_epi32(_mm256_add_epi32(sums[v], sums[v]), off);
          __m256 r = _mm256_add_ps(_mm256_loadu_ps(o),
                                   _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(isum), s), step));
          if (bias) {
            const __m256 b = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(bias + row)));
            r = _mm256_add_ps(r, _mm256_mul_ps(b, xsum));
          }
          _mm256_storeu_ps(o, r);
        }
      }
    }
    if (bias) bias += 64;
  }
}

TARGET void lrtk_int8_tile_avx2(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f,
                                int tile_index, const lrtk_int8_acts *a, int n, float *out) {
  LRTK_TMAC_BY_PLANES(tile, w, f, tile_index, a, n, out)
}
#endif
