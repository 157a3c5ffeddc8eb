/* Prefill compute of the two products the runtime can take for a batch of tokens, on one
 * matrix (group 128, 1 thread, CPU time: on a shared machine a long call is preempted more
 * often than a short one, so wall clock misleads): lrtk_tmac_gemm (T-MAC tables, 16 tokens
 * per call as the runtime calls it) and lrtk_int8_gemm (int8 activations x unpacked codes,
 * all tokens in one call), alternated in one process, median per token of each. It started as the probe that sized the int8 route before it was
 * built (docs/kernels.md "Prefill"); it now times the library's own kernels.
 *
 *   cmake --build build/dev && gcc -O2 -o build/prefill_int8_probe benchmarks/prefill_int8_probe.c \
 *     -Inative/include -Lbuild/dev/native -llrtk_native -Wl,-rpath,$PWD/build/dev/native
 *   build/prefill_int8_probe 4 2048 2048 64 9    # bits, rows, columns, tokens (1..64), repeats
 *
 * LRTK_KERNEL picks the kernel as everywhere (avx2: the AVX2 tables against AVX2's int8). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lrtk_tmac.h"

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: prefill_int8_probe BITS ROWS COLUMNS TOKENS REPEATS\n");
    return 2;
  }
  const int bits = atoi(argv[1]), m = atoi(argv[2]), k = atoi(argv[3]), n = atoi(argv[4]);
  const int reps = atoi(argv[5]), gs = 128;
  const size_t bytes = lrtk_tmac_packed_bytes(bits, m, k, gs), count = lrtk_tmac_scale_count(bits, m, k, gs);
  if (!bytes || n < 1 || n > LRTK_INT8_MAX_BATCH || reps < 1) {
    fprintf(stderr, "prefill_int8_probe: bits 1-4, columns a multiple of 128, tokens 1-64\n");
    return 2;
  }
  uint8_t *packed = aligned_alloc(64, (bytes + 63) / 64 * 64);
  uint16_t *scales = malloc(count * sizeof *scales);
  float *x = malloc((size_t)n * k * sizeof *x), *y = malloc((size_t)n * m * sizeof *y);
  double *tables = malloc(reps * sizeof *tables), *int8 = malloc(reps * sizeof *int8);
  for (size_t j = 0; j < bytes; j++) packed[j] = (uint8_t)(j * 2654435761u >> 13);
  for (size_t j = 0; j < count; j++) scales[j] = 0x2c00; /* 1/16 */
  for (int i = 0; i < n * k; i++) x[i] = (float)((i * 37) % 101 - 50) / 50.0f;
  const lrtk_tmac_matrix w = {.qtype = bits, .m = m, .k = k, .group_size = gs, .packed = packed,
                              .scales = scales};
  lrtk_pool *pool = lrtk_pool_create(1);
  for (int r = -1; r < reps; r++) { /* r = -1 warms the caches */
    const double t0 = cpu_seconds();
    for (int t = 0; t < n; t += LRTK_TMAC_MAX_BATCH) {
      const int b = n - t < LRTK_TMAC_MAX_BATCH ? n - t : LRTK_TMAC_MAX_BATCH;
      if (lrtk_tmac_gemm(pool, &w, x + (size_t)t * k, b, y + (size_t)t * m) != LRTK_OK) return 1;
    }
    const double t1 = cpu_seconds();
    if (lrtk_int8_gemm(pool, &w, x, n, y) != LRTK_OK) return 1;
    const double t2 = cpu_seconds();
    if (r >= 0) tables[r] = t1 - t0, int8[r] = t2 - t1;
  }
  qsort(tables, reps, sizeof *tables, by_value);
  qsort(int8, reps, sizeof *int8, by_value);
  const double a = tables[reps / 2], b = int8[reps / 2];
  printf("bits %d %dx%d, %d tokens, kernel %s: tables %.1f us/token, int8 (%s) %.1f us/token, "
         "int8 %.2fx the tables' speed\n", bits, m, k, n,
         lrtk_tmac_kernel_name(lrtk_tmac_get_kernel()), a * 1e6 / n, lrtk_int8_kernel_name(),
         b * 1e6 / n, a / b);
  lrtk_pool_free(pool);
  return 0;
}
