#ifndef LRTK_TMAC_H
#define LRTK_TMAC_H
/*
 * Low-bit GEMV/GEMM by table lookup (T-MAC, Wei et al.). This header is the contract between
 * the kernels (native/src/tmac_*.c) and their users: the model runtime and the Python binding.
 *
 * A weight matrix W has m output rows and k input columns. Each weight is an integer code of
 * `bits` bits with a float scale (and optionally a zero point) per group of `group_size`
 * consecutive columns: w = scale * (code - zero). Scales (and the zero-point terms) are
 * stored as IEEE half floats: at group 128 that is 0.125 bit per weight where float32 took
 * 0.25, and every token's GEMV must read them; their relative rounding (2^-11) is far below
 * a 4-bit step. With has_zeros == 0 the zero point is
 * implied by the bit width; lrtk_tmac_pack documents the exact convention.
 * Ternary weights are codes {0, 1, 2} meaning {-1, 0, +1} times the group scale.
 *
 * Every kernel computes the same integer arithmetic, so the SIMD kernels equal the scalar
 * reference bit for bit. Besides float32 rounding, the only approximation is the int8
 * quantization of the per-token lookup tables, one step per group of activations:
 * step_g = max over the group's quads of (|x0|+|x1|+|x2|+|x3|) / 127, and per output row
 *   |y - exact| <= sum_g |scale_g| * (group_size / 4) * (step_g / 2) * (2^b - 1) / 2
 * (ternary: * 1 instead of (2^b - 1) / 2); native/tests and tests/test_kernels.py check it.
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

/* Error codes (negative); lrtk_tmac_strerror() gives the one-line message. */
typedef enum {
  LRTK_OK = 0,
  LRTK_E_QTYPE = -1,      /* qtype is not 1-4 bits or ternary */
  LRTK_E_GROUP = -2,      /* group_size is not 32, 64 or 128 */
  LRTK_E_SHAPE = -3,      /* m < 1, or k not a positive multiple of group_size */
  LRTK_E_BATCH = -4,      /* n outside 1..LRTK_TMAC_MAX_BATCH */
  LRTK_E_KERNEL = -5,     /* kernel not compiled in or not supported by this CPU */
  LRTK_E_CODE = -6,       /* a code does not fit the bit width (ternary: > 2) */
  LRTK_E_ZEROS = -7,      /* zero points missing, or given for ternary weights */
  LRTK_E_NOMEM = -8,
  LRTK_E_NULL = -9,       /* a required pointer is NULL */
  LRTK_E_KERNEL_ENV = -10, /* $LRTK_KERNEL names an unknown kernel or one this CPU lacks */
  LRTK_E_PREFILL_ENV = -11, /* $LRTK_PREFILL is not auto, tables or int8 */
} lrtk_status;

/* Largest batch lrtk_tmac_gemm accepts; rows are padded to tiles of LRTK_TMAC_TILE_ROWS. */
#define LRTK_TMAC_MAX_BATCH 16
#define LRTK_TMAC_TILE_ROWS 64

typedef enum {
  LRTK_KERNEL_AUTO = 0,   /* $LRTK_KERNEL if set, else the best kernel the CPU supports */
  LRTK_KERNEL_SCALAR = 1, /* the reference every SIMD kernel must equal exactly */
  LRTK_KERNEL_AVX2 = 2,
  LRTK_KERNEL_NEON = 3,
  LRTK_KERNEL_AVX512 = 4, /* AVX-512F/BW/VBMI (and AVX2 for the tables) */
} lrtk_kernel;

/* A packed matrix; all pointers are borrowed (e.g. from an mmapped model file). */
typedef struct {
  int qtype;            /* lrtk_qtype */
  int m;                /* output rows */
  int k;                /* input columns */
  int group_size;       /* 32, 64 or 128 */
  int has_zeros;        /* 1: asymmetric codes with per-group zero points */
  const uint8_t *packed;  /* lrtk_tmac_packed_bytes() bytes, 64-byte aligned */
  const uint16_t *scales; /* lrtk_tmac_scale_count() halves, in the order lrtk_tmac_pack wrote */
  const uint16_t *zeros;  /* same count, as lrtk_tmac_pack wrote them, or NULL (has_zeros 0) */
} lrtk_tmac_matrix;

/* Persistent pthread pool; work is split over output rows. The calling thread is thread 0,
 * so n_threads == 1 starts no thread; n_threads <= 0 means one per online CPU. A pool runs
 * one job at a time: give each thread that calls lrtk_tmac_gemm its own pool. */
typedef struct lrtk_pool lrtk_pool;
lrtk_pool *lrtk_pool_create(int n_threads);
void lrtk_pool_free(lrtk_pool *pool);
int lrtk_pool_threads(const lrtk_pool *pool);
/* Runs fn(ctx, thread_index, n_threads) once for every thread index and returns when all
 * are done. The caller runs index 0 and then any index no worker has claimed yet (a worker
 * still asleep or descheduled), so one thread may run several indexes one after another. A
 * barrier of all indexes inside fn still completes: while the caller is in index 0 only the
 * workers claim, and a worker waiting in one index claims no other. */
void lrtk_pool_run(lrtk_pool *pool, void (*fn)(void *ctx, int ti, int nt), void *ctx);

/* Sizes of the packed buffers; 0 when the shape or type is not supported. */
size_t lrtk_tmac_packed_bytes(int qtype, int m, int k, int group_size);
size_t lrtk_tmac_scale_count(int qtype, int m, int k, int group_size);

/*
 * Pack row-major codes (m*k bytes, one code per byte) and per-group float scales/zeros
 * (row-major, m * k/group_size) into the kernel layout; scales_out and zeros_out receive
 * halves (round to nearest even), so the dequantized weight uses half(scale). Returns 0 on success or a negative error code
 * whose meaning lrtk_tmac_strerror() gives (e.g. k not a multiple of group_size).
 *
 * Zero-point convention. Each b-bit code is split into b bit planes and each bit is read as
 * a sign s in {-1, +1}: code - mid = sum_j 2^(j-1) * s_j with mid = (2^b - 1) / 2.
 *   has_zeros == 0 (symmetric): w = scale * (code - mid), e.g. 2-bit codes 0..3 mean
 *     {-1.5, -0.5, +0.5, +1.5} * scale and 1-bit codes mean {-0.5, +0.5} * scale.
 *   has_zeros == 1 (asymmetric): w = scale * (code - zero) for any float zero; the packer
 *     stores half(half(scale) * (mid - zero)) in zeros_out and the kernel adds it times the
 *     group's activation sum.
 *   Ternary (has_zeros must be 0): codes {0, 1, 2} become two planes (code >= 1, code >= 2)
 *     and w = scale * (s_0 + s_1) / 2, which is exactly {-1, 0, +1} * scale.
 *
 * Layout (64-byte aligned by the caller). Rows are padded to tiles of 64; each tile is
 * contiguous: for each quad q of 4 columns, the planes in blocks: pairs of planes (64 bytes;
 * the low nibble of byte b holds row b/2, plane j + (b & 1)) and, for an odd plane count, the
 * last plane alone (32 bytes; the low nibble of byte b holds row 16*(b&1) + b/2). A high
 * nibble holds its low nibble's row + 32; nibble bit i is column 4q+i. One nibble indexes a
 * 16-entry table, so a lookup takes one 16-byte operand (pshufb / vqtbl1q); one vpmaddubsw
 * then weighs and adds both planes of a row, and the AVX2 and NEON reductions come out in row
 * order. scales_out (and zeros_out) hold, per tile and group, the tile's 64 rows (padding
 * rows 0), so the hot loop reads them sequentially.
 */
int lrtk_tmac_pack(int qtype, int m, int k, int group_size, int has_zeros,
                   const uint8_t *codes, const float *scales, const float *zeros,
                   uint8_t *packed_out, uint16_t *scales_out, uint16_t *zeros_out);

/* y[n][m] = x[n][k] . W^T for n = 1 (GEMV) up to 16 (small-batch GEMM for prefill).
 * pool may be NULL (run on the calling thread). Each tile's weights are read from memory
 * once and reused from cache for the other n-1 tokens. */
int lrtk_tmac_gemm(lrtk_pool *pool, const lrtk_tmac_matrix *w, const float *x, int n, float *y);

/* Called once tiles 2 * pair and 2 * pair + 1 of y are written. */
typedef void (*lrtk_tmac_pair_fn)(void *ctx, int pair);

/* A GEMV (one token) whose tiles come in pairs that are joined elementwise afterwards (a gated
 * FFN's gate and up, LRTK_TMAC_TILE_ROWS rows of each in turn): each thread runs both tiles of
 * a pair, then fn(ctx, pair) on rows it has just written, so the join needs no pass of its own
 * and no hand-off between threads. m must be a multiple of 2 * LRTK_TMAC_TILE_ROWS
 * (LRTK_E_SHAPE). */
int lrtk_tmac_gemv_pairs(lrtk_pool *pool, const lrtk_tmac_matrix *w, const float *x, float *y,
                         lrtk_tmac_pair_fn fn, void *ctx);

/* The same product for prefill: each token's activations rounded to int8 (one step per group
 * of group_size columns) and each tile's weights unpacked from the planes to int8 codes, one
 * group at a time, then exact integer dot products (AVX-512 VNNI vpdpbusd where the CPU has
 * it, else AVX2 vpmaddubsw, else plain C; all equal bit for bit). Per token it is cheaper
 * than the tables when many tokens share each unpacked group; its rounding differs from the
 * tables' (one int8 step per activation instead of per table entry), so results differ from
 * lrtk_tmac_gemm's by about as much as the tables differ from the exact product. The kernel
 * follows lrtk_tmac_get_kernel: avx512 -> "vnni" (or "avx2" without VNNI), avx2 -> "avx2",
 * scalar and neon -> "scalar", which lrtk_int8_kernel_name() returns (NULL on a bad
 * $LRTK_KERNEL). */
int lrtk_int8_gemm(lrtk_pool *pool, const lrtk_tmac_matrix *w, const float *x, int n, float *y);
/* (n from 1 to LRTK_INT8_MAX_BATCH) */
const char *lrtk_int8_kernel_name(void);

/* Which product the model runtime's batches of several tokens (prefill) take. AUTO: int8 for
 * batches of at least LRTK_INT8_MIN_BATCH tokens where the int8 kernel is "vnni" (with 64
 * tokens per call against the tables' 16, 1.85-2.07x the tables per token at 4 bits and
 * 1.12-1.19x at 2 bits on the TinyLlama shapes; AVX2's int8 kernel is no faster than its
 * tables), else the tables.
 * TABLES and INT8 force one for every batch of at least LRTK_INT8_MIN_BATCH tokens (decode,
 * n = 1, always takes the tables). AUTO is $LRTK_PREFILL where set (auto, tables or int8;
 * read once), so a benchmark can time both in child processes. */
typedef enum {
  LRTK_PREFILL_AUTO = 0,
  LRTK_PREFILL_TABLES = 1,
  LRTK_PREFILL_INT8 = 2,
} lrtk_prefill;
#define LRTK_INT8_MIN_BATCH 4
/* Largest n lrtk_int8_gemm takes: a tile's unpacked groups serve all of them, so a prompt's
 * weights are read once per this many tokens (the tables: once per LRTK_TMAC_MAX_BATCH). */
#define LRTK_INT8_MAX_BATCH 64
int lrtk_set_prefill(int mode); /* LRTK_OK, or LRTK_E_NULL for a mode that is none of these */
/* The mode AUTO resolves to (never AUTO itself), or LRTK_E_PREFILL_ENV. */
int lrtk_get_prefill(void);
/* 1: the runtime multiplies n tokens by w with lrtk_int8_gemm; 0: lrtk_tmac_gemm; or an error
 * (a bad $LRTK_PREFILL or $LRTK_KERNEL). */
int lrtk_prefill_uses_int8(const lrtk_tmac_matrix *w, int n);

/* Choose the kernel for later calls (tests compare them); error if the CPU lacks it.
 * The choice is process-wide. AUTO (the default) takes the kernel named by the environment
 * variable LRTK_KERNEL (auto, scalar, avx2, avx512 or neon; read once), so that a run or a
 * test suite can force a kernel, e.g. keep testing AVX2 on an AVX-512 machine; without it,
 * the best kernel the CPU supports. get_kernel returns the concrete kernel AUTO resolves to,
 * or LRTK_E_KERNEL_ENV when LRTK_KERNEL is unknown or not available (lrtk_tmac_gemm then
 * fails with that error too: a forced kernel is never silently replaced). */
int lrtk_tmac_set_kernel(int kernel);
int lrtk_tmac_get_kernel(void);
/* 1 when `kernel` is compiled in and the running CPU supports it. */
int lrtk_tmac_kernel_available(int kernel);
/* The kernel's name ("avx512", ...) or NULL; the number of a name, or -1. */
const char *lrtk_tmac_kernel_name(int kernel);
int lrtk_tmac_kernel_id(const char *name);
/* How far ahead of its reads `kernel` asks for weights (software prefetch), in bytes; 0 where
 * it leaves that to the hardware prefetchers (scalar; AVX-512 on Zen 4). */
int lrtk_tmac_prefetch_bytes(int kernel);
const char *lrtk_tmac_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
