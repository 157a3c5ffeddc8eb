#ifndef LRTK_TMAC_H
#define LRTK_TMAC_H
/*
 * Low-bit GEMV/GEMM by table lookup (T-MAC, Wei et al.). This header is the contract between
 * the kernels (native/src/tmac_*.c) and their users: the model runtime and the Python binding.
 *
 * A weight matrix W has m output rows and k input columns. Each weight is an integer code of
 * `bits` bits with a float scale (and optionally a zero point) per group of `group_size`
 * consecutive columns: w = scale * (code - zero). With has_zeros == 0 the zero point is
 * implied by the bit width; lrtk_tmac_pack documents the exact convention.
 * Ternary weights are codes {0, 1, 2} meaning {-1, 0, +1} times the group scale.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  LRTK_Q_B1 = 1,
  LRTK_Q_B2 = 2,
  LRTK_Q_B3 = 3,
  LRTK_Q_B4 = 4,
  LRTK_Q_TERNARY = 5,
} lrtk_qtype;

typedef enum {
  LRTK_KERNEL_AUTO = 0,   /* best kernel the CPU supports */
  LRTK_KERNEL_SCALAR = 1, /* the reference every SIMD kernel must equal exactly */
  LRTK_KERNEL_AVX2 = 2,
  LRTK_KERNEL_NEON = 3,
} lrtk_kernel;

/* A packed matrix; all pointers are borrowed (e.g. from an mmapped model file). */
typedef struct {
  int qtype;            /* lrtk_qtype */
  int m;                /* output rows */
  int k;                /* input columns */
  int group_size;       /* 32, 64 or 128 */
  int has_zeros;        /* 1: asymmetric codes with per-group zero points */
  const uint8_t *packed;/* lrtk_tmac_packed_bytes() bytes, 64-byte aligned */
  const float *scales;  /* lrtk_tmac_scale_count() floats, in the order lrtk_tmac_pack wrote */
  const float *zeros;   /* same count, or NULL when has_zeros is 0 */
} lrtk_tmac_matrix;

/* Persistent pthread pool; work is split over output rows. */
typedef struct lrtk_pool lrtk_pool;
lrtk_pool *lrtk_pool_create(int n_threads);
void lrtk_pool_free(lrtk_pool *pool);
int lrtk_pool_threads(const lrtk_pool *pool);
/* Runs fn(ctx, thread_index, n_threads) on every thread and returns when all are done. */
void lrtk_pool_run(lrtk_pool *pool, void (*fn)(void *ctx, int ti, int nt), void *ctx);

/* Sizes of the packed buffers; 0 when the shape or type is not supported. */
size_t lrtk_tmac_packed_bytes(int qtype, int m, int k, int group_size);
size_t lrtk_tmac_scale_count(int qtype, int m, int k, int group_size);

/*
 * Pack row-major codes (m*k bytes, one code per byte) and per-group scales/zeros (row-major,
 * m * k/group_size) into the kernel layout. Returns 0 on success or a negative error code
 * whose meaning lrtk_tmac_strerror() gives (e.g. k not a multiple of group_size).
 */
int lrtk_tmac_pack(int qtype, int m, int k, int group_size, int has_zeros,
                   const uint8_t *codes, const float *scales, const float *zeros,
                   uint8_t *packed_out, float *scales_out, float *zeros_out);

/* y[n][m] = x[n][k] . W^T for n = 1 (GEMV) up to 16 (small-batch GEMM for prefill). */
int lrtk_tmac_gemm(lrtk_pool *pool, const lrtk_tmac_matrix *w, const float *x, int n, float *y);

/* Choose the kernel for later calls (tests compare them); error if the CPU lacks it. */
int lrtk_tmac_set_kernel(int kernel);
int lrtk_tmac_get_kernel(void);
const char *lrtk_tmac_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
