/* Kernel tests: every SIMD kernel equals the scalar reference bit for bit, the scalar kernel
 * stays within the int8-table error bound of a double-precision dequantized product, threads
 * do not change results, and bad shapes get error codes instead of crashes; the same for the
 * int8 prefill GEMM (lrtk_int8_gemm) with its own bound. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrtk_cpu.h"
#include "lrtk_tmac.h"
#include "tmac_internal.h"

static int failures = 0;
#define CHECK(cond, ...)                                     \
  do {                                                       \
    if (!(cond)) {                                           \
      failures++;                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
      fprintf(stderr, __VA_ARGS__);                          \
      fprintf(stderr, "\n");                                 \
    }                                                        \
  } while (0)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 11);
}
static float rnd_float(void) { return (float)(rnd() % 2000001) / 1000000.0f - 1.0f; } /* [-1, 1] */

typedef struct {
  int qtype, m, k, group_size, has_zeros, n;
  uint8_t *codes;
  float *scales, *zeros, *x;
  lrtk_tmac_matrix w;
  void *packed;
  uint16_t *packed_scales, *packed_zeros;
} problem;

static int max_code(int qtype) { return qtype == LRTK_Q_TERNARY ? 2 : (1 << qtype) - 1; }

/* Where lrtk_tmac_pack put the scale of (row, group): per tile and group, the tile's rows. */
static size_t stored_index(const problem *pb, int row, int group) {
  return ((size_t)(row / LRTK_TMAC_TILE_ROWS) * (pb->k / pb->group_size) + group) *
             LRTK_TMAC_TILE_ROWS + row % LRTK_TMAC_TILE_ROWS;
}

/* The float weight the kernels multiply, from the stored half scale and zero-point bias
 * (lrtk_tmac_pack's convention): scale * (code - mid) + bias. */
static double weight(const problem *pb, int row, int col) {
  size_t i = stored_index(pb, row, col / pb->group_size);
  int code = pb->codes[(size_t)row * pb->k + col];
  double mid = pb->qtype == LRTK_Q_TERNARY ? 1.0 : max_code(pb->qtype) / 2.0;
  double bias = pb->has_zeros ? lrtk_half_to_float(pb->packed_zeros[i]) : 0.0;
  return lrtk_half_to_float(pb->packed_scales[i]) * (code - mid) + bias;
}

static problem make_problem(int qtype, int m, int k, int group_size, int has_zeros, int n) {
  problem pb = {.qtype = qtype, .m = m, .k = k, .group_size = group_size, .has_zeros = has_zeros, .n = n};
  size_t groups = (size_t)m * (k / group_size);
  pb.codes = malloc((size_t)m * k);
  pb.scales = malloc(groups * sizeof(float));
  pb.zeros = has_zeros ? malloc(groups * sizeof(float)) : NULL;
  pb.x = malloc((size_t)n * k * sizeof(float));
  for (size_t i = 0; i < (size_t)m * k; i++) pb.codes[i] = (uint8_t)(rnd() % (max_code(qtype) + 1));
  for (size_t i = 0; i < groups; i++) {
    pb.scales[i] = 0.01f + 0.05f * (rnd_float() + 1.0f);
    if (has_zeros) pb.zeros[i] = (float)(rnd() % (max_code(qtype) + 1));
  }
  for (size_t i = 0; i < (size_t)n * k; i++) pb.x[i] = rnd_float() * (i % 7 == 0 ? 4.0f : 1.0f);
  size_t bytes = lrtk_tmac_packed_bytes(qtype, m, k, group_size);
  size_t count = lrtk_tmac_scale_count(qtype, m, k, group_size);
  if (posix_memalign(&pb.packed, 64, bytes) != 0) abort();
  pb.packed_scales = malloc(count * sizeof(uint16_t));
  pb.packed_zeros = has_zeros ? malloc(count * sizeof(uint16_t)) : NULL;
  int err = lrtk_tmac_pack(qtype, m, k, group_size, has_zeros, pb.codes, pb.scales, pb.zeros,
                           pb.packed, pb.packed_scales, pb.packed_zeros);
  CHECK(err == LRTK_OK, "pack: %s", lrtk_tmac_strerror(err));
  pb.w = (lrtk_tmac_matrix){qtype, m, k, group_size, has_zeros, pb.packed, pb.packed_scales,
                            pb.packed_zeros};
  return pb;
}

static void free_problem(problem *pb) {
  free(pb->codes), free(pb->scales), free(pb->zeros), free(pb->x);
  free(pb->packed), free(pb->packed_scales), free(pb->packed_zeros);
}

/* |kernel - exact| <= sum_g |scale| * (group_size/4 lookups) * (step/2) * sum_j 2^(j-1), with
 * step = (max over the group's quads of sum |x|) / 127: each int8 table entry is off by at
 * most half a step, and a lookup of plane j counts with weight 2^(j-1) (ternary: 1/2 each). */
/* The int8 GEMM rounds each activation to a step of (max |x| of its group) / 127, so each is
 * off by at most half a step, and |code - mid| <= the same plane weights: |int8 - exact| <=
 * sum_g |scale| * group_size * (step/2) * plane weights. */
static int int8_path = 0; /* run_kernel and check_problem test lrtk_int8_gemm instead */

static double table_error_bound(const problem *pb, int token, int row) {
  const float *x = pb->x + (size_t)token * pb->k;
  double plane_weights = pb->qtype == LRTK_Q_TERNARY ? 1.0 : max_code(pb->qtype) / 2.0;
  double bound = 0.0, magnitude = 0.0;
  const int span = int8_path ? 1 : 4; /* int8: one activation per step; tables: a quad */
  for (int g = 0; g < pb->k / pb->group_size; g++) {
    double amax = 0.0;
    for (int c = g * pb->group_size; c < (g + 1) * pb->group_size; c += span) {
      double a = 0.0;
      for (int i = 0; i < span; i++) a += fabs(x[c + i]);
      amax = a > amax ? a : amax;
    }
    double s = fabs(lrtk_half_to_float(pb->packed_scales[stored_index(pb, row, g)]));
    bound += s * (pb->group_size / span) * (amax / 127.0 / 2.0) * plane_weights;
  }
  for (int c = 0; c < pb->k; c++) magnitude += fabs(weight(pb, row, c) * x[c]);
  return bound + 1e-5 * magnitude; /* float32 rounding of the sums */
}

static void run_kernel(problem *pb, int kernel, lrtk_pool *pool, float *y) {
  CHECK(lrtk_tmac_set_kernel(kernel) == LRTK_OK, "set kernel %d", kernel);
  int err = (int8_path ? lrtk_int8_gemm : lrtk_tmac_gemm)(pool, &pb->w, pb->x, pb->n, y);
  CHECK(err == LRTK_OK, "gemm: %s", lrtk_tmac_strerror(err));
}

static void check_problem(problem *pb, lrtk_pool *pool) {
  size_t count = (size_t)pb->n * pb->m;
  float *ref = malloc(count * sizeof(float)), *y = malloc(count * sizeof(float));
  run_kernel(pb, LRTK_KERNEL_SCALAR, NULL, ref);
  double worst = 0.0;
  for (int i = 0; i < pb->n; i++) {
    for (int r = 0; r < pb->m; r++) {
      double exact = 0.0;
      for (int c = 0; c < pb->k; c++) exact += weight(pb, r, c) * pb->x[(size_t)i * pb->k + c];
      double err = fabs(ref[(size_t)i * pb->m + r] - exact), bound = table_error_bound(pb, i, r);
      worst = err / bound > worst ? err / bound : worst;
      if (err > bound) {
        CHECK(0, "qtype %d m %d k %d g %d zeros %d: row %d token %d error %g > bound %g",
              pb->qtype, pb->m, pb->k, pb->group_size, pb->has_zeros, r, i, err, bound);
        i = pb->n;
        break;
      }
    }
  }
  const int simd[] = {LRTK_KERNEL_AVX2, LRTK_KERNEL_AVX512, LRTK_KERNEL_NEON};
  for (int s = 0; s < 3; s++) {
    if (!lrtk_tmac_kernel_available(simd[s])) continue;
    for (int threaded = 0; threaded < 2; threaded++) {
      memset(y, 0xff, count * sizeof(float));
      run_kernel(pb, simd[s], threaded ? pool : NULL, y);
      CHECK(memcmp(y, ref, count * sizeof(float)) == 0,
            "%skernel %d (threads %d) differs from scalar: qtype %d m %d k %d g %d zeros %d n %d",
            int8_path ? "int8 " : "", simd[s], threaded ? lrtk_pool_threads(pool) : 1, pb->qtype, pb->m, pb->k,
            pb->group_size, pb->has_zeros, pb->n);
    }
  }
  memset(y, 0xff, count * sizeof(float));
  run_kernel(pb, LRTK_KERNEL_SCALAR, pool, y);
  CHECK(memcmp(y, ref, count * sizeof(float)) == 0, "threaded scalar differs");
  free(ref), free(y);
}

/* lrtk_tmac_gemv_pairs: the same y as lrtk_tmac_gemm, and fn once per pair of tiles, called
 * after both tiles of its pair are written, on whichever thread ran them. */
typedef struct {
  const float *y, *ref;
  atomic_int calls[8], early;
} pair_record;

static void record_pair(void *ctx, int pair) {
  pair_record *r = ctx;
  const size_t rows = 2 * LRTK_TMAC_TILE_ROWS, first = (size_t)pair * rows;
  if (memcmp(r->y + first, r->ref + first, rows * sizeof(float)) != 0)
    atomic_fetch_add(&r->early, 1);
  atomic_fetch_add(&r->calls[pair], 1);
}

static void test_gemv_pairs(lrtk_pool *pool) {
  problem pb = make_problem(LRTK_Q_B2, 8 * LRTK_TMAC_TILE_ROWS, 256, 64, 1, 1);
  float *ref = malloc(pb.m * sizeof(float)), *y = malloc(pb.m * sizeof(float));
  CHECK(lrtk_tmac_set_kernel(LRTK_KERNEL_AUTO) == LRTK_OK, "auto kernel");
  CHECK(lrtk_tmac_gemm(NULL, &pb.w, pb.x, 1, ref) == LRTK_OK, "gemm for pairs");
  for (int threaded = 0; threaded < 2; threaded++) {
    pair_record r = {.y = y, .ref = ref};
    memset(y, 0xff, pb.m * sizeof(float));
    CHECK(lrtk_tmac_gemv_pairs(threaded ? pool : NULL, &pb.w, pb.x, y, record_pair, &r) == LRTK_OK,
          "gemv_pairs");
    CHECK(memcmp(y, ref, pb.m * sizeof(float)) == 0, "gemv_pairs differs (threaded %d)", threaded);
    for (int p = 0; p < 4; p++)
      CHECK(atomic_load(&r.calls[p]) == 1, "pair %d joined %d times", p, atomic_load(&r.calls[p]));
    CHECK(atomic_load(&r.early) == 0, "a pair joined before its tiles were written");
  }
  pair_record r = {.y = y, .ref = ref};
  CHECK(lrtk_tmac_gemv_pairs(NULL, &pb.w, pb.x, y, NULL, &r) == LRTK_E_NULL, "pairs without fn");
  pb.w.m = 3 * LRTK_TMAC_TILE_ROWS; /* an odd number of tiles */
  CHECK(lrtk_tmac_gemv_pairs(NULL, &pb.w, pb.x, y, record_pair, &r) == LRTK_E_SHAPE, "odd tiles");
  pb.w.m = pb.m;
  free(ref), free(y);
  free_problem(&pb);
}

static void test_kernels_match(lrtk_pool *pool) {
  const int qtypes[] = {LRTK_Q_B1, LRTK_Q_B2, LRTK_Q_B3, LRTK_Q_B4, LRTK_Q_TERNARY};
  const int groups[] = {32, 64, 128};
  /* rows below, at and above a 64-row tile, not multiples of 16 or 32; n = 1..16 */
  const int shapes[][3] = {{1, 1, 1}, {37, 3, 3}, {64, 2, 16}, {130, 1, 2}};
  int cases = 0;
  for (int a = 0; a < 5; a++)
    for (int b = 0; b < 3; b++)
      for (int z = 0; z < (qtypes[a] == LRTK_Q_TERNARY ? 1 : 2); z++)
        for (int s = 0; s < 4; s++, cases++) {
          problem pb = make_problem(qtypes[a], shapes[s][0], groups[b] * shapes[s][1], groups[b],
                                    z, shapes[s][2]);
          for (int8_path = 0; int8_path < 2; int8_path++) check_problem(&pb, pool);
          int8_path = 0;
          free_problem(&pb);
        }
  printf("kernels (tables and int8): %d cases, scalar", cases);
  for (int kernel = LRTK_KERNEL_AVX2; lrtk_tmac_kernel_name(kernel); kernel++)
    if (kernel != LRTK_KERNEL_SCALAR)
      printf(lrtk_tmac_kernel_available(kernel) ? " = %s" : " (%s: not on this CPU, skipped)",
             lrtk_tmac_kernel_name(kernel));
  printf("; cpu: %s\n", lrtk_cpu_feature_names());
}

/* Large activations in one quad make the table step coarse for the whole group: the bound
 * must still hold, and a table of all zeros (x = 0) must give exactly 0 (no NaN from 0/0). */
static void test_extreme_activations(void) {
  problem pb = make_problem(LRTK_Q_B2, 70, 128, 64, 1, 2);
  for (int c = 0; c < 128; c++) pb.x[c] = 0.0f;
  pb.x[128 + 5] = 1000.0f;
  float y[140];
  for (int8_path = 0; int8_path < 2; int8_path++) {
    check_problem(&pb, NULL);
    lrtk_tmac_set_kernel(LRTK_KERNEL_AUTO);
    CHECK((int8_path ? lrtk_int8_gemm : lrtk_tmac_gemm)(NULL, &pb.w, pb.x, 2, y) == LRTK_OK, "gemm");
    for (int r = 0; r < 70; r++) CHECK(y[r] == 0.0f, "zero activations give %g", y[r]);
  }
  int8_path = 0;
  free_problem(&pb);
}

/* The AVX2 and AVX-512 table builders must give the scalar builder's bytes, scales and sums
 * exactly: the kernels are only comparable because they read the same tables. */
static void test_table_builders_agree(void) {
#if defined(__x86_64__)
  enum { K = 1024 };
  static float x[K];
  static int8_t lut_a[K * 4], lut_b[K * 4];
  float scale_a[K / 32], scale_b[K / 32], sum_a[K / 32], sum_b[K / 32];
  const struct {
    int kernel;
    lrtk_tmac_tables_fn build;
    const char *name;
  } simd[] = {{LRTK_KERNEL_AVX2, lrtk_tmac_build_tables_avx2, "AVX2"},
              {LRTK_KERNEL_AVX512, lrtk_tmac_build_tables_avx512, "AVX-512"}};
  for (int G = 32; G <= 128; G *= 2)
    for (size_t b = 0; b < sizeof simd / sizeof simd[0]; b++) {
      if (!lrtk_tmac_kernel_available(simd[b].kernel)) continue;
      for (int i = 0; i < K; i++) x[i] = rnd_float() * (float)(1 + i % 13);
      for (int i = 0; i < G; i++) x[i] = 0.0f; /* an all-zero group */
      for (int i = G; i < 2 * G; i++) x[i] = (float)(i % 5) - 2.0f; /* ties at half steps */
      x[2 * G + 5] = -1e30f; /* one quad far larger than the group's others */
      lrtk_tmac_build_tables(x, K, G, lut_a, scale_a, sum_a);
      simd[b].build(x, K, G, lut_b, scale_b, sum_b);
      CHECK(memcmp(lut_a, lut_b, sizeof lut_a) == 0, "%s tables differ (group %d)", simd[b].name,
            G);
      CHECK(memcmp(scale_a, scale_b, (size_t)(K / G) * sizeof(float)) == 0,
            "%s table scales differ (group %d)", simd[b].name, G);
      CHECK(memcmp(sum_a, sum_b, (size_t)(K / G) * sizeof(float)) == 0,
            "%s activation sums differ (group %d)", simd[b].name, G);
      for (int i = 0; i < K * 4; i += 16)
        for (int idx = 0; idx < 8; idx++)
          CHECK(lut_a[i + idx] == -lut_a[i + 15 - idx], "entry %d is not the negation", 15 - idx);
    }
#endif
}

/* Scales are stored as halves rounded to nearest even, the zero-point bias from the stored
 * scale; both convert back exactly. */
static void test_half_scales(void) {
  const struct { float in; uint16_t half; } cases[] = {
      {1.0f, 0x3c00},          {-2.0f, 0xc000},         {0.1f, 0x2e66},
      {65504.0f, 0x7bff},      {65520.0f, 0x7c00},      {6.103515625e-05f, 0x0400},
      {1e-7f, 0x0002},         {0.0f, 0x0000},
      {1.0f + 0x1p-11f, 0x3c00}, /* a tie rounds to the even mantissa */
      {1.0f + 3 * 0x1p-11f, 0x3c02},
  };
  uint8_t codes[32] = {0}, packed[64 * 8 * 2];
  uint16_t out[64], zeros_out[64];
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    CHECK(lrtk_tmac_pack(2, 1, 32, 32, 0, codes, &cases[c].in, NULL, packed, out, NULL) == LRTK_OK,
          "pack one row");
    CHECK(out[0] == cases[c].half, "half of %g: 0x%04x, expected 0x%04x", cases[c].in, out[0],
          cases[c].half);
  }
  CHECK(lrtk_half_to_float(0x0001) == 0x1p-24f && lrtk_half_to_float(0xbc00) == -1.0f &&
            lrtk_half_to_float(0x7bff) == 65504.0f && lrtk_half_to_float(0x2e66) == 0.0999755859375f &&
            lrtk_half_to_float(0x0400) == 0x1p-14f,
        "half to float");
  const float scale = 0.1f, zero = 1.0f; /* 2-bit: bias = half(half(0.1) * (1.5 - 1)) */
  CHECK(lrtk_tmac_pack(2, 1, 32, 32, 1, codes, &scale, &zero, packed, out, zeros_out) == LRTK_OK,
        "pack with zeros");
  CHECK(zeros_out[0] == 0x2a66, "zero-point bias 0x%04x, expected 0x2a66", zeros_out[0]);
}

static void test_errors(void) {
  uint8_t codes[64 * 64] = {0}, packed[4096];
  float scales[64 * 2] = {0}, y[64], x[64] = {0};
  uint16_t out_scales[64 * 2];
  CHECK(lrtk_tmac_pack(6, 64, 64, 32, 0, codes, scales, NULL, packed, out_scales, NULL) ==
            LRTK_E_QTYPE, "qtype");
  CHECK(lrtk_tmac_pack(2, 64, 64, 48, 0, codes, scales, NULL, packed, out_scales, NULL) ==
            LRTK_E_GROUP, "group");
  CHECK(lrtk_tmac_pack(2, 64, 48, 32, 0, codes, scales, NULL, packed, out_scales, NULL) ==
            LRTK_E_SHAPE, "k not a multiple of the group");
  CHECK(lrtk_tmac_pack(2, 0, 64, 32, 0, codes, scales, NULL, packed, out_scales, NULL) ==
            LRTK_E_SHAPE, "m = 0");
  CHECK(lrtk_tmac_packed_bytes(2, 64, 48, 32) == 0, "bytes of a bad shape");
  CHECK(lrtk_tmac_scale_count(2, 64, 64, 48) == 0, "scales of a bad shape");
  CHECK(lrtk_tmac_pack(LRTK_Q_TERNARY, 64, 64, 32, 1, codes, scales, scales, packed, out_scales,
                       out_scales) == LRTK_E_ZEROS, "ternary with zeros");
  CHECK(lrtk_tmac_pack(2, 64, 64, 32, 1, codes, scales, NULL, packed, out_scales, NULL) ==
            LRTK_E_ZEROS, "zeros missing");
  codes[100] = 4;
  CHECK(lrtk_tmac_pack(2, 64, 64, 32, 0, codes, scales, NULL, packed, out_scales, NULL) ==
            LRTK_E_CODE, "code out of range");
  codes[100] = 3;
  CHECK(lrtk_tmac_pack(LRTK_Q_TERNARY, 64, 64, 32, 0, codes, scales, NULL, packed, out_scales,
                       NULL) == LRTK_E_CODE, "ternary code 3");
  codes[100] = 0;
  CHECK(lrtk_tmac_pack(2, 64, 64, 32, 0, codes, scales, NULL, packed, out_scales, NULL) == LRTK_OK,
        "valid pack");
  lrtk_tmac_matrix w = {2, 64, 64, 32, 0, packed, out_scales, NULL};
  CHECK(lrtk_tmac_gemm(NULL, &w, x, 0, y) == LRTK_E_BATCH, "n = 0");
  CHECK(lrtk_tmac_gemm(NULL, &w, x, 17, y) == LRTK_E_BATCH, "n = 17");
  CHECK(lrtk_tmac_gemm(NULL, &w, NULL, 1, y) == LRTK_E_NULL, "x = NULL");
  w.group_size = 128;
  CHECK(lrtk_tmac_gemm(NULL, &w, x, 1, y) == LRTK_E_SHAPE, "k < group size");
  CHECK(lrtk_tmac_set_kernel(99) == LRTK_E_KERNEL, "unknown kernel");
#if defined(__x86_64__)
  CHECK(lrtk_tmac_set_kernel(LRTK_KERNEL_NEON) == LRTK_E_KERNEL, "NEON on x86");
#else
  CHECK(lrtk_tmac_set_kernel(LRTK_KERNEL_AVX2) == LRTK_E_KERNEL, "AVX2 on ARM");
  CHECK(lrtk_tmac_set_kernel(LRTK_KERNEL_AVX512) == LRTK_E_KERNEL, "AVX-512 on ARM");
#endif
  CHECK(strstr(lrtk_tmac_strerror(LRTK_E_GROUP), "group size") != NULL, "strerror");
}

/* Names and numbers of the kernels agree, and the AVX-512 kernel is only offered with the
 * features it is compiled for (cpuid + the OS's zmm state). */
static void test_kernel_names(void) {
  for (int kernel = 0; lrtk_tmac_kernel_name(kernel); kernel++)
    CHECK(lrtk_tmac_kernel_id(lrtk_tmac_kernel_name(kernel)) == kernel, "name of %d", kernel);
  CHECK(lrtk_tmac_kernel_id("avx512") == LRTK_KERNEL_AVX512, "avx512");
  CHECK(lrtk_tmac_kernel_id("AVX2") == -1 && lrtk_tmac_kernel_id(NULL) == -1, "bad names");
  CHECK(lrtk_tmac_kernel_name(-1) == NULL, "name of -1");
  const int f = lrtk_cpu_features(), need = LRTK_CPU_AVX2 | LRTK_CPU_AVX512F |
                                                 LRTK_CPU_AVX512BW | LRTK_CPU_AVX512VBMI;
  CHECK(lrtk_tmac_kernel_available(LRTK_KERNEL_AVX512) == ((f & need) == need), "avx512 needs");
  CHECK((strstr(lrtk_cpu_feature_names(), "avx512bw") != NULL) == ((f & LRTK_CPU_AVX512BW) != 0),
        "feature names: %s", lrtk_cpu_feature_names());
}

/* The int8 product takes up to 64 tokens at once (the tables 16): every kernel equals the
 * scalar one there too, within the bound, and one token more is refused. */
static void test_int8_large_batch(lrtk_pool *pool) {
  const int qtypes[] = {LRTK_Q_B3, LRTK_Q_B4, LRTK_Q_TERNARY};
  int8_path = 1;
  for (int a = 0; a < 3; a++) {
    problem pb = make_problem(qtypes[a], 100, 256, 64, qtypes[a] != LRTK_Q_TERNARY,
                              LRTK_INT8_MAX_BATCH - a * 13);
    check_problem(&pb, pool);
    free_problem(&pb);
  }
  int8_path = 0;
  problem pb = make_problem(LRTK_Q_B2, 64, 64, 32, 0, LRTK_INT8_MAX_BATCH + 1);
  float *y = malloc((size_t)64 * (LRTK_INT8_MAX_BATCH + 1) * sizeof(float));
  lrtk_tmac_set_kernel(LRTK_KERNEL_AUTO);
  CHECK(lrtk_int8_gemm(NULL, &pb.w, pb.x, LRTK_INT8_MAX_BATCH + 1, y) == LRTK_E_BATCH, "int8 n 65");
  CHECK(lrtk_tmac_gemm(NULL, &pb.w, pb.x, LRTK_TMAC_MAX_BATCH + 1, y) == LRTK_E_BATCH, "tables n 17");
  free(y);
  free_problem(&pb);
}

/* With $LRTK_KERNEL set (ctest runs this binary once per kernel), AUTO is that kernel and
 * set_kernel still overrides it. Returns 0 when the forced kernel runs here; otherwise checks
 * that nothing runs (a forced kernel is never silently replaced) and returns 1. */
static int forced_kernel_unavailable(void) {
  const char *forced = getenv("LRTK_KERNEL");
  const int id = forced && *forced ? lrtk_tmac_kernel_id(forced) : LRTK_KERNEL_AUTO;
  if (id != LRTK_KERNEL_AUTO && !(id > 0 && lrtk_tmac_kernel_available(id))) {
    float y[64], x[64] = {0};
    uint16_t scales[128] = {0};
    static uint8_t packed[64 * 16 * 2];
    const lrtk_tmac_matrix w = {2, 64, 64, 32, 0, packed, scales, NULL};
    CHECK(lrtk_tmac_get_kernel() == LRTK_E_KERNEL_ENV, "LRTK_KERNEL=%s unavailable", forced);
    CHECK(lrtk_tmac_gemm(NULL, &w, x, 1, y) == LRTK_E_KERNEL_ENV, "gemm under a bad LRTK_KERNEL");
    printf("LRTK_KERNEL=%s: not available on this CPU or build, gemm refuses to run\n", forced);
    return 1;
  }
  if (id != LRTK_KERNEL_AUTO) {
    CHECK(lrtk_tmac_get_kernel() == id, "LRTK_KERNEL=%s gives kernel %d", forced,
          lrtk_tmac_get_kernel());
    printf("LRTK_KERNEL=%s: auto runs %s\n", forced, lrtk_tmac_kernel_name(lrtk_tmac_get_kernel()));
    CHECK(lrtk_tmac_set_kernel(LRTK_KERNEL_SCALAR) == LRTK_OK &&
              lrtk_tmac_get_kernel() == LRTK_KERNEL_SCALAR, "set_kernel overrides LRTK_KERNEL");
    CHECK(lrtk_tmac_set_kernel(LRTK_KERNEL_AUTO) == LRTK_OK && lrtk_tmac_get_kernel() == id,
          "auto is LRTK_KERNEL again");
  }
  return 0;
}

/* ctest's SKIP_RETURN_CODE: the forced kernel is known but this CPU lacks it. */
#define SKIPPED 77

int main(void) {
  if (forced_kernel_unavailable()) {
    if (failures) return 1;
    return lrtk_tmac_kernel_id(getenv("LRTK_KERNEL")) > 0 ? SKIPPED : 0; /* unknown name: pass */
  }
  lrtk_pool *pool = lrtk_pool_create(3);
  CHECK(pool && lrtk_pool_threads(pool) == 3, "pool of 3");
  /* Every kernel is compared with the scalar one by name whatever LRTK_KERNEL says: the runs
   * that force a kernel check what auto then runs, not the whole matrix again. */
  if (getenv("LRTK_KERNEL") == NULL) test_kernels_match(pool);
  test_extreme_activations();
  test_int8_large_batch(pool);
  test_gemv_pairs(pool);
  test_table_builders_agree();
  test_half_scales();
  test_errors();
  test_kernel_names();
  lrtk_pool_free(pool);
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
