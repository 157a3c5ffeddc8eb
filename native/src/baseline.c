/* The dequantize-then-dot baseline and the read-bandwidth probe (see lrtk_bench.h). Plain C
 * that GCC vectorizes; on x86-64 target_clones adds AVX-512 and AVX2 copies chosen at load
 * time (simd_clones.h), so the baseline gets the instruction set of the T-MAC kernel it is
 * compared with. */
#include <stdatomic.h>

#include "lrtk_bench.h"
#include "simd_clones.h"
#include "tmac_internal.h"

#define INLINE inline __attribute__((always_inline))

typedef struct {
  const lrtk_dequant_matrix *w;
  const float *x;
  float *y;
} dequant_job;

/* lane[i] += w[i] * x[i] for the 32 weights of one block, dequantized as
 * w = scale * (code - zero): elementwise, so it vectorizes as written. */
static INLINE void dequant_block_dot(const uint32_t *restrict words, int planes, float scale,
                                     float zero, const float *restrict x, float *restrict lane) {
  uint32_t plane[4];
  for (int j = 0; j < planes; j++) plane[j] = words[j];
  for (uint32_t i = 0; i < 32; i++) {
    uint32_t code = 0;
    for (int j = 0; j < planes; j++) code |= ((plane[j] >> i) & 1u) << j;
    lane[i] += (((float)(int)code - zero) * scale) * x[i];
  }
}

static INLINE float dequant_dot(const lrtk_dequant_matrix *w, int row, const float *x, int planes) {
  const int groups = w->k / w->group_size, blocks = w->group_size / 32;
  const uint32_t *words = w->words + (size_t)row * (w->k / 32) * planes;
  const uint16_t *scale = w->scales + (size_t)row * groups, *zero = w->zeros + (size_t)row * groups;
  float lane[32] = {0};
  /* Halves are converted a chunk of groups ahead: converted inside the block loop, their
   * branches kept GCC from vectorizing it (10x slower). */
  for (int g0 = 0; g0 < groups; g0 += 64) {
    const int n = groups - g0 < 64 ? groups - g0 : 64;
    float s[64], z[64];
    for (int g = 0; g < n; g++) {
      s[g] = lrtk_half_to_float(scale[g0 + g]);
      z[g] = lrtk_half_to_float(zero[g0 + g]);
    }
    for (int g = 0; g < n; g++)
      for (int b = 0; b < blocks; b++, words += planes, x += 32)
        dequant_block_dot(words, planes, s[g], z[g], x, lane);
  }
  float acc = 0.0f;
  for (int i = 0; i < 32; i++) acc += lane[i];
  return acc;
}

LRTK_SIMD_CLONES static void dequant_rows(void *ctx, int ti, int nt) {
  const dequant_job *job = ctx;
  const int m = job->w->m;
  for (int r = (int)((long)m * ti / nt); r < (int)((long)m * (ti + 1) / nt); r++) {
    switch (job->w->planes) {
      case 1: job->y[r] = dequant_dot(job->w, r, job->x, 1); break;
      case 2: job->y[r] = dequant_dot(job->w, r, job->x, 2); break;
      case 3: job->y[r] = dequant_dot(job->w, r, job->x, 3); break;
      default: job->y[r] = dequant_dot(job->w, r, job->x, 4); break;
    }
  }
}

int lrtk_dequant_gemv(lrtk_pool *pool, const lrtk_dequant_matrix *w, const float *x, float *y) {
  if (!w || !x || !y || !w->words || !w->scales || !w->zeros) return LRTK_E_NULL;
  if (w->planes < 1 || w->planes > 4) return LRTK_E_QTYPE;
  int err = lrtk_tmac_check_shape(LRTK_Q_B1, w->m, w->k, w->group_size);
  if (err != LRTK_OK) return err;
  dequant_job job = {w, x, y};
  lrtk_pool_run(pool, dequant_rows, &job);
  return LRTK_OK;
}

typedef struct {
  const uint64_t *words;
  size_t count;
  int prefetch; /* ask for each line LRTK_TMAC_PREFETCH_BYTES ahead, non-temporally */
  atomic_uint_least64_t sum;
} read_job;

#define LINE_WORDS 8 /* 64-byte lines */

LRTK_SIMD_CLONES static void read_rows(void *ctx, int ti, int nt) {
  read_job *job = ctx;
  const uint64_t *w = job->words;
  size_t i = job->count * ti / nt;
  const size_t end = job->count * (ti + 1) / nt;
  uint64_t sum = 0;
  /* A prefetch past the buffer's end is harmless: prefetches never fault. */
  for (; job->prefetch && i + LINE_WORDS <= end; i += LINE_WORDS) {
    __builtin_prefetch(w + i + LRTK_TMAC_PREFETCH_BYTES / 8, 0, 0);
    for (int j = 0; j < LINE_WORDS; j++) sum += w[i + j];
  }
  for (; i < end; i++) sum += w[i];
  atomic_fetch_add(&job->sum, sum);
}

static uint64_t read_sum(lrtk_pool *pool, const uint64_t *words, size_t count, int prefetch) {
  read_job job = {.words = words, .count = count, .prefetch = prefetch};
  lrtk_pool_run(pool, read_rows, &job);
  return atomic_load(&job.sum);
}

uint64_t lrtk_read_sum(lrtk_pool *pool, const uint64_t *words, size_t count) {
  return read_sum(pool, words, count, 0);
}

uint64_t lrtk_read_sum_prefetch(lrtk_pool *pool, const uint64_t *words, size_t count) {
  return read_sum(pool, words, count, 1);
}
