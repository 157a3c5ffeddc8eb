#ifndef LRTK_BENCH_H
#define LRTK_BENCH_H
/*
 * Baselines for the kernel benchmark, in the same library and built with the same compiler so
 * that comparisons are fair: a dequantize-then-dot GEMV on weights of the same bit width, and
 * a memory read probe that gives this machine's read bandwidth.
 */
#include <stddef.h>
#include <stdint.h>

#include "lrtk_tmac.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Row-major bit planes: for each row and each block of 32 columns, `planes` words whose bit i
 * is plane j of column i; w = scale * (code - zero) with one scale and zero per group. Reads
 * the same bits per weight as the T-MAC layout. */
typedef struct {
  int planes, m, k, group_size;
  const uint32_t *words;  /* m * (k / 32) * planes */
  const uint16_t *scales; /* halves, m * (k / group_size), row-major */
  const uint16_t *zeros;  /* same */
} lrtk_dequant_matrix;

/* y[m] = W x: dequantizes each block of 32 weights to floats, then takes the dot product. */
int lrtk_dequant_gemv(lrtk_pool *pool, const lrtk_dequant_matrix *w, const float *x, float *y);

/* Sums `count` words split over the pool's threads; time it to get the read bandwidth. The
 * _prefetch variant also asks for each 64-byte line 8 KiB ahead, non-temporally, as the
 * decoding kernels do: on Zen 5 that read memory 15-25% faster than the plain loop, so a
 * bandwidth figure takes the faster of the two (docs/kernels.md, "The read probe"). */
uint64_t lrtk_read_sum(lrtk_pool *pool, const uint64_t *words, size_t count);
uint64_t lrtk_read_sum_prefetch(lrtk_pool *pool, const uint64_t *words, size_t count);

#ifdef __cplusplus
}
#endif
#endif
