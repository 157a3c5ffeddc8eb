/* Probe (not part of lrtk): would prefill be faster as an int8 GEMM with VNNI than with the
 * T-MAC kernels? Prefill compute on one in-cache matrix (2048x2048, group 128, 1 thread, CPU
 * time, medians): lrtk_tmac_gemm with n tokens; an int8 x int8 vpdpbusd GEMM on weights
 * already dequantized to codes in a VNNI layout (activations as random int8); a SIMD
 * dequantization of the T-MAC packed planes to that layout (checked against a plain one); and
 * both fused per 64-row tile (dequantize into a 128 KiB buffer, then every token). The numbers
 * are not checked against a float reference: this times the work, it is not a kernel.
 *
 *   cmake --build build/dev && gcc -O3 -o build/prefill_int8_probe benchmarks/prefill_int8_probe.c \
 *     -Inative/include -Lbuild/dev/native -llrtk_native -Wl,-rpath,$PWD/build/dev/native
 *   build/prefill_int8_probe 4 16 15      # bits (2 or 4), tokens (2..16), repeats
 *
 * Results: docs/kernels.md "Prefill". */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lrtk_tmac.h"
static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmp(const void *a, const void *b) { double x = *(double*)a, y = *(double*)b; return x < y ? -1 : x > y; }
#define M 2048
#define K 2048
#define G 128
#define TB 6 /* tokens per register block */
/* w8: [tile][quad][64 rows x 4 bytes]; xq: [token][K] int8; out [token][M] */
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void vnni_gemm(const uint8_t *w8, const int8_t *xq, const float *xstep, const uint16_t *scale, int n, float *out, int only_tile) {
  for (int tile = only_tile < 0 ? 0 : only_tile; tile < (only_tile < 0 ? M / 64 : only_tile + 1); tile++) {
    const uint8_t *wt = only_tile < 0 ? w8 + (size_t)tile * (K / 4) * 256 : w8;
    for (int t0 = 0; t0 < n; t0 += TB) {
      int nb = n - t0 < TB ? n - t0 : TB;
      __m512 o[TB][4];
      for (int t = 0; t < TB; t++) for (int r = 0; r < 4; r++) o[t][r] = _mm512_setzero_ps();
      for (int g = 0; g < K / G; g++) {
        __m512i acc[TB][4];
        for (int t = 0; t < TB; t++) for (int r = 0; r < 4; r++) acc[t][r] = _mm512_setzero_si512();
        for (int q = g * G / 4; q < (g + 1) * G / 4; q++) {
          const __m512i w0 = _mm512_loadu_si512(wt + q * 256), w1 = _mm512_loadu_si512(wt + q * 256 + 64),
                        w2 = _mm512_loadu_si512(wt + q * 256 + 128), w3 = _mm512_loadu_si512(wt + q * 256 + 192);
          for (int t = 0; t < TB; t++) {
            if (t >= nb) break;
            const __m512i xb = _mm512_set1_epi32(*(const int32_t *)(xq + (size_t)(t0 + t) * K + 4 * q));
            acc[t][0] = _mm512_dpbusd_epi32(acc[t][0], w0, xb);
            acc[t][1] = _mm512_dpbusd_epi32(acc[t][1], w1, xb);
            acc[t][2] = _mm512_dpbusd_epi32(acc[t][2], w2, xb);
            acc[t][3] = _mm512_dpbusd_epi32(acc[t][3], w3, xb);
          }
        }
        for (int r = 0; r < 4; r++) {
          const __m512 sc = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(scale + ((size_t)tile * (K / G) + g) * 64 + 16 * r)));
          for (int t = 0; t < nb; t++)
            o[t][r] = _mm512_add_ps(o[t][r], _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc[t][r]), sc), _mm512_set1_ps(xstep[(t0 + t) * (K / G) + g])));
        }
      }
      for (int t = 0; t < nb; t++) for (int r = 0; r < 4; r++) _mm512_storeu_ps(out + (size_t)(t0 + t) * M + tile * 64 + 16 * r, o[t][r]);
    }
  }
}
/* Dequantize one tile's packed planes (the T-MAC layout) into the VNNI layout: per quad, 64
 * rows x 4 codes. Straightforward scalar-table version. */
static void dequant_tile(const uint8_t *p, int planes, uint8_t *w8) {
  for (int q = 0; q < K / 4; q++, w8 += 256) {
    memset(w8, 0, 256);
    for (int j = 0; j < planes; j += 2) {
      const int pair = j + 1 < planes, block = pair ? 64 : 32;
      for (int b = 0; b < block; b++, p++) {
        const int plane = pair ? j + (b & 1) : j, low = pair ? b >> 1 : 16 * (b & 1) + (b >> 1);
        for (int h = 0; h < 2; h++) {
          const int nib = h ? *p >> 4 : *p & 15, row = low + 32 * h;
          for (int i = 0; i < 4; i++) w8[row * 4 + i] |= ((nib >> i) & 1) << plane;
        }
      }
    }
  }
}
/* SIMD dequant: per pair block, 16 rows' two plane nibbles per dword (vpmovzxwd), expanded by
 * vpermd on a 16-entry table whose entry n has byte i = bit i of n, shifted to the plane. */
__attribute__((target("avx512f,avx512bw")))
static void dequant_tile_simd(const uint8_t *p, int planes, uint8_t *w8) {
  __m512i e = _mm512_setzero_si512();
  { uint32_t tab[16]; for (int n = 0; n < 16; n++) { tab[n] = 0; for (int i = 0; i < 4; i++) tab[n] |= (uint32_t)((n >> i) & 1) << (8 * i); }
    e = _mm512_loadu_si512(tab); }
  for (int q = 0; q < K / 4; q++, w8 += 256) {
    __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    for (int j = 0; j + 1 < planes; j += 2, p += 64) {
      for (int r = 0; r < 2; r++) { /* rows 16r.. (low nibbles) and 32+16r.. (high) */
        const __m512i d = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p + 32 * r)));
        acc[r] = _mm512_or_si512(acc[r], _mm512_slli_epi32(_mm512_permutexvar_epi32(d, e), j));
        acc[r] = _mm512_or_si512(acc[r], _mm512_slli_epi32(_mm512_permutexvar_epi32(_mm512_srli_epi32(d, 8), e), j + 1));
        acc[r + 2] = _mm512_or_si512(acc[r + 2], _mm512_slli_epi32(_mm512_permutexvar_epi32(_mm512_srli_epi32(d, 4), e), j));
        acc[r + 2] = _mm512_or_si512(acc[r + 2], _mm512_slli_epi32(_mm512_permutexvar_epi32(_mm512_srli_epi32(d, 12), e), j + 1));
      }
    }
    for (int r = 0; r < 4; r++) _mm512_storeu_si512(w8 + 64 * r, acc[r]);
  }
}
int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: prefill_int8 BITS(2|4) TOKENS(2..16) REPEATS\n"); return 2; }
  int bits = atoi(argv[1]), n = atoi(argv[2]), reps = atoi(argv[3]);
  if ((bits != 2 && bits != 4) || n < 2 || n > 16 || reps < 1) { fprintf(stderr, "bits 2 or 4, tokens 2..16\n"); return 2; }
  size_t pb = lrtk_tmac_packed_bytes(bits, M, K, G), sc = lrtk_tmac_scale_count(bits, M, K, G);
  uint8_t *p = aligned_alloc(64, (pb + 63) / 64 * 64);
  for (size_t j = 0; j < pb; j++) p[j] = (uint8_t)(j * 2654435761u >> 13);
  uint16_t *s = malloc(sc * 2); for (size_t j = 0; j < sc; j++) s[j] = 0x2c00;
  lrtk_tmac_matrix w = {.qtype = bits, .m = M, .k = K, .group_size = G, .packed = p, .scales = s};
  float *x = malloc((size_t)n * K * 4), *y = malloc((size_t)n * M * 4), *xs = malloc((size_t)n * (K / G) * 4);
  int8_t *xq = malloc((size_t)n * K);
  for (int i = 0; i < n * K; i++) { x[i] = (float)((i * 37) % 101 - 50) / 50.0f; xq[i] = (int8_t)((i * 37) % 255 - 127); }
  for (int i = 0; i < n * (K / G); i++) xs[i] = 0.01f;
  uint8_t *w8 = aligned_alloc(64, (size_t)M * K);
  int planes = bits;
  size_t tile_bytes = (size_t)(K / 4) * planes * 32;
  { uint8_t *a = malloc((size_t)64 * K), *b = malloc((size_t)64 * K);
    dequant_tile(p, planes, a); dequant_tile_simd(p, planes, b);
    printf("simd dequant %s naive\n", memcmp(a, b, (size_t)64 * K) ? "DIFFERS from" : "equals"); }
  lrtk_pool *pool = lrtk_pool_create(1);
  uint8_t *buf = aligned_alloc(64, (size_t)64 * K);
  double *fused = malloc(reps * sizeof(double));
  double *t[3]; for (int m = 0; m < 3; m++) t[m] = malloc(reps * sizeof(double));
  for (int r = -1; r < reps; r++) {
    double t0 = now();
    lrtk_tmac_gemm(pool, &w, x, n, y);
    double t1 = now();
    vnni_gemm(w8, xq, xs, s, n, y, -1);
    double t2 = now();
    for (int tile = 0; tile < M / 64; tile++) dequant_tile(p + tile * tile_bytes, planes, w8 + (size_t)tile * K * 64);
    double t3 = now();
    for (int tile = 0; tile < M / 64; tile++) dequant_tile_simd(p + tile * tile_bytes, planes, w8 + (size_t)tile * K * 64);
    double t4 = now();
    for (int tile = 0; tile < M / 64; tile++) {
      dequant_tile_simd(p + tile * tile_bytes, planes, buf);
      vnni_gemm(buf, xq, xs, s, n, y, tile);
    }
    double t5 = now();
    if (r >= 0) fused[r] = t5 - t4;
    if (r >= 0) { t[0][r] = t1 - t0; t[1][r] = t2 - t1; t[2][r] = t4 - t3; }
  }
  for (int m = 0; m < 3; m++) qsort(t[m], reps, sizeof(double), cmp);
  qsort(fused, reps, sizeof(double), cmp);
  printf("  fused per tile (dequant to a 64-row int8 buffer, then VNNI over all %d tokens): %.1f us/token, T-MAC / fused %.2fx\n", n, fused[reps / 2] * 1e6 / n, t[0][reps / 2] / fused[reps / 2]);
  printf("bits %d n %d (%dx%d, 1 thread, in cache, CPU time): per token: T-MAC %.1f us, VNNI int8 GEMM %.1f us (%.2fx), "
         "SIMD dequant of the matrix %.1f us (/%d tokens = %.1f us/token)\n", bits, n, M, K,
         t[0][reps / 2] * 1e6 / n, t[1][reps / 2] * 1e6 / n, t[0][reps / 2] / t[1][reps / 2], t[2][reps / 2] * 1e6, n,
         t[2][reps / 2] * 1e6 / n);
  return 0;
}
