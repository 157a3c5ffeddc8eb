/* lrtk_tmac_gemm: the pool's threads build each token's tables together, then share the row
 * tiles. */
#include <limits.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lrtk_cpu.h"
#include "tmac_internal.h"

static int chosen_kernel = LRTK_KERNEL_AUTO;

/* Indexed by lrtk_kernel. */
static const char *const kernel_names[] = {"auto", "scalar", "avx2", "neon", "avx512"};
#define KERNEL_COUNT (int)(sizeof kernel_names / sizeof kernel_names[0])

const char *lrtk_tmac_kernel_name(int kernel) {
  return kernel >= 0 && kernel < KERNEL_COUNT ? kernel_names[kernel] : NULL;
}

int lrtk_tmac_kernel_id(const char *name) {
  for (int i = 0; name && i < KERNEL_COUNT; i++)
    if (strcmp(name, kernel_names[i]) == 0) return i;
  return -1;
}

int lrtk_tmac_kernel_available(int kernel) {
  switch (kernel) {
    case LRTK_KERNEL_AUTO:
    case LRTK_KERNEL_SCALAR:
      return 1;
#if defined(__x86_64__)
    case LRTK_KERNEL_AVX2:
      return (lrtk_cpu_features() & LRTK_CPU_AVX2) != 0;
    case LRTK_KERNEL_AVX512: {
      const int need = LRTK_CPU_AVX2 | LRTK_CPU_AVX512F | LRTK_CPU_AVX512BW | LRTK_CPU_AVX512VBMI;
      return (lrtk_cpu_features() & need) == need;
    }
#endif
#if defined(__aarch64__)
    case LRTK_KERNEL_NEON:
      return (lrtk_cpu_features() & LRTK_CPU_NEON) != 0;
#endif
    default:
      return 0;
  }
}

int lrtk_tmac_set_kernel(int kernel) {
  if (!lrtk_tmac_kernel_available(kernel)) return LRTK_E_KERNEL;
  chosen_kernel = kernel;
  return LRTK_OK;
}

/* $LRTK_KERNEL as a kernel number (AUTO when unset or empty), or LRTK_E_KERNEL_ENV. Read
 * once: the environment of a running process is not expected to change, and every GEMM asks.
 * Concurrent first calls store the same value. */
#define NOT_READ INT_MIN
static int env_kernel(void) {
  static _Atomic int cached = NOT_READ;
  int k = cached;
  if (k == NOT_READ) {
    const char *v = getenv("LRTK_KERNEL");
    k = v == NULL || *v == '\0' ? LRTK_KERNEL_AUTO : lrtk_tmac_kernel_id(v);
    if (k < 0 || !lrtk_tmac_kernel_available(k)) k = LRTK_E_KERNEL_ENV;
    cached = k;
  }
  return k;
}

int lrtk_tmac_get_kernel(void) {
  const int k = chosen_kernel != LRTK_KERNEL_AUTO ? chosen_kernel : env_kernel();
  if (k != LRTK_KERNEL_AUTO) return k; /* a kernel, or LRTK_E_KERNEL_ENV */
  if (lrtk_tmac_kernel_available(LRTK_KERNEL_AVX512)) return LRTK_KERNEL_AVX512;
  if (lrtk_tmac_kernel_available(LRTK_KERNEL_AVX2)) return LRTK_KERNEL_AVX2;
  if (lrtk_tmac_kernel_available(LRTK_KERNEL_NEON)) return LRTK_KERNEL_NEON;
  return LRTK_KERNEL_SCALAR;
}

static lrtk_tmac_tables_fn tables_fn_of(int kernel) {
#if defined(__x86_64__)
  if (kernel == LRTK_KERNEL_AVX512) return lrtk_tmac_build_tables_avx512;
  if (kernel == LRTK_KERNEL_AVX2) return lrtk_tmac_build_tables_avx2;
#endif
  (void)kernel;
  return lrtk_tmac_build_tables;
}

/* A kernel's two-token tile function, where it has one (NULL: one token at a time). */
static lrtk_tmac_tile_fn tile2_fn_of(int kernel) {
#if defined(__x86_64__)
  if (kernel == LRTK_KERNEL_AVX512) return lrtk_tmac_tile2_avx512;
#endif
  (void)kernel;
  return NULL;
}

/* The int8 kernel that goes with a T-MAC kernel: VNNI (and GFNI) where the CPU has them beside AVX-512,
 * else AVX2's, else (scalar, NEON) the scalar one. */
static lrtk_int8_tile_fn int8_fn_of(int kernel) {
#if defined(__x86_64__)
  const int vnni = LRTK_CPU_AVX512VNNI | LRTK_CPU_GFNI; /* beside the AVX-512 kernel's VBMI */
  if (kernel == LRTK_KERNEL_AVX512 && (lrtk_cpu_features() & vnni) == vnni)
    return lrtk_int8_tile_vnni;
  if (kernel == LRTK_KERNEL_AVX2 || kernel == LRTK_KERNEL_AVX512) return lrtk_int8_tile_avx2;
#endif
  (void)kernel;
  return lrtk_int8_tile_scalar;
}

const char *lrtk_int8_kernel_name(void) {
  const int kernel = lrtk_tmac_get_kernel();
  if (kernel < 0) return NULL;
  const lrtk_int8_tile_fn fn = int8_fn_of(kernel);
#if defined(__x86_64__)
  if (fn == lrtk_int8_tile_vnni) return "vnni";
  if (fn == lrtk_int8_tile_avx2) return "avx2";
#endif
  return fn == lrtk_int8_tile_scalar ? "scalar" : NULL;
}

static lrtk_tmac_tile_fn tile_fn_of(int kernel) {
  switch (kernel) {
#if defined(__x86_64__)
    case LRTK_KERNEL_AVX2:
      return lrtk_tmac_tile_avx2;
    case LRTK_KERNEL_AVX512:
      return lrtk_tmac_tile_avx512;
#endif
#if defined(__aarch64__)
    case LRTK_KERNEL_NEON:
      return lrtk_tmac_tile_neon;
#endif
    default:
      return lrtk_tmac_tile_scalar;
  }
}

int lrtk_tmac_prefetch_bytes(int kernel) {
  switch (kernel) {
    case LRTK_KERNEL_AVX2:
    case LRTK_KERNEL_NEON:
      return LRTK_TMAC_PREFETCH_BYTES;
    case LRTK_KERNEL_AVX512:
      return lrtk_tmac_avx512_prefetch_bytes();
    default:
      return 0;
  }
}

const char *lrtk_tmac_strerror(int err) {
  switch (err) {
    case LRTK_OK: return "ok";
    case LRTK_E_QTYPE: return "unsupported weight type (expected 1, 2, 3 or 4 bits, or ternary)";
    case LRTK_E_GROUP: return "unsupported group size (expected 32, 64 or 128)";
    case LRTK_E_SHAPE: return "bad shape: m must be >= 1 and k a positive multiple of the group size";
    case LRTK_E_BATCH: return "batch size must be between 1 and 16 (64 for the int8 product)";
    case LRTK_E_KERNEL: return "kernel not available on this CPU or build";
    case LRTK_E_CODE: return "a weight code does not fit the bit width";
    case LRTK_E_ZEROS: return "zero points are required with has_zeros and not allowed for ternary weights";
    case LRTK_E_NOMEM: return "out of memory";
    case LRTK_E_NULL: return "a required pointer is NULL";
    case LRTK_E_PREFILL_ENV:
      return "LRTK_PREFILL is not a prefill product (use auto, tables or int8)";
    case LRTK_E_KERNEL_ENV:
      return "LRTK_KERNEL names an unknown kernel or one this CPU or build lacks (use auto, "
             "scalar, avx2, avx512 or neon)";
    default: return "unknown error";
  }
}

/* Where token i's tables are built (the writable view of tables[i]). */
typedef struct {
  int8_t *lut;
  float *lut_scale, *xsum;
} table_out;

/* A thread's share of the work units (row tiles, or pairs of them), [front, back) in one
 * word, so that its owner (taking from the front) and a thread that steals (from the back)
 * agree through one CAS. */
typedef _Atomic uint64_t tile_range;

typedef struct {
  const lrtk_tmac_matrix *w;
  lrtk_tmac_format format;
  lrtk_tmac_tile_fn tile_fn, tile2_fn; /* tile2_fn: two tokens at once, or NULL */
  lrtk_tmac_tables_fn build_tables;
  lrtk_int8_tile_fn int8_fn; /* non-NULL: the int8 GEMM instead of the tables */
  lrtk_int8_acts acts[LRTK_INT8_MAX_BATCH];
  const float *x;
  table_out out[LRTK_INT8_MAX_BATCH]; /* the tables use the first LRTK_TMAC_MAX_BATCH */
  lrtk_tmac_tables tables[LRTK_INT8_MAX_BATCH];
  int n;
  float *y;
  lrtk_tmac_pair_fn pair_fn; /* non-NULL: the unit of work is a pair of tiles (gemv_pairs) */
  void *pair_ctx;
  atomic_int tables_built; /* threads done with their share of the tables */
  tile_range *shares;      /* one per thread */
  uint8_t *own;            /* one token: thread ti builds its own tables at own + ti * own_bytes */
  size_t own_bytes;
} gemm_job;

/* The views of one token's tables in the block at base: k * 4 bytes of tables, then the
 * groups' scales and sums (the int8 activations reuse the same layout). */
static table_out tables_at(uint8_t *base, int k, int groups) {
  float *lut_scale = (float *)(base + (size_t)k * 4);
  return (table_out){(int8_t *)base, lut_scale, lut_scale + groups};
}

/* A batch (prefill): each thread builds the tables of its share of the groups (a group's
 * tables depend only on its own activations), then waits for the others. Built by the
 * calling thread alone, the other threads idled meanwhile: on 2 threads, sharing was 1-3%
 * faster for the TinyLlama shapes (2048x2048, 2048x5632; alternated in one process), under
 * 1% at 4096x4096 (measured on one-token GEMVs, which now build their own; see gemm). */
#define BARRIER_SPINS 2000 /* a few tens of microseconds, as the pool spins */

static void build_tables_share(gemm_job *job, int ti, int nt) {
  const int gs = job->w->group_size, k = job->w->k, groups = k / gs;
  const int g0 = (int)((long)groups * ti / nt), g1 = (int)((long)groups * (ti + 1) / nt);
  for (int i = 0; g1 > g0 && i < job->n; i++) {
    if (job->int8_fn) {
      const lrtk_int8_acts *a = &job->acts[i], part = {a->q + (size_t)g0 * gs, a->step + g0,
                                                       a->xsum + g0, a->offset + g0};
      lrtk_int8_quantize(job->x + (size_t)i * k + (size_t)g0 * gs, (g1 - g0) * gs, gs,
                         job->format.coef[0] + job->format.coef[1] + job->format.coef[2] +
                             job->format.coef[3], &part);
      continue;
    }
    const table_out *o = &job->out[i];
    job->build_tables(job->x + (size_t)i * k + (size_t)g0 * gs, (g1 - g0) * gs, gs,
                      o->lut + (size_t)g0 * gs * 4, o->lut_scale + g0, o->xsum + g0);
  }
  atomic_fetch_add(&job->tables_built, 1);
  /* Spin briefly, then give the CPU away: on a machine with more runnable threads than
   * cores, the thread being waited for may need this very CPU, and a pure spin held it for
   * whole time slices (2-thread decode fell to ~1 token/s on the 2-core VM at load 11). */
  for (int spins = 0; atomic_load(&job->tables_built) < nt; spins++)
    if (spins < BARRIER_SPINS) lrtk_cpu_relax();
    else sched_yield();
}

static uint64_t range_of(uint32_t front, uint32_t back) { return (uint64_t)back << 32 | front; }

/* The front unit of r (its owner) or the back one (a thief); -1 when r is empty. */
static int take_unit(tile_range *r, int from_back) {
  uint64_t v = atomic_load(r);
  for (;;) {
    const uint32_t front = (uint32_t)v, back = (uint32_t)(v >> 32);
    if (front >= back) return -1;
    const uint64_t rest = from_back ? range_of(front, back - 1) : range_of(front + 1, back);
    if (atomic_compare_exchange_weak(r, &v, rest)) return (int)(from_back ? back - 1 : front);
  }
}

static void run_tile(gemm_job *job, const lrtk_tmac_tables *tables, int tile,
                     float out[LRTK_INT8_MAX_BATCH * LRTK_TMAC_TILE_ROWS]) {
  const int m = job->w->m, row0 = tile * LRTK_TMAC_TILE_ROWS;
  const int rows = m - row0 < LRTK_TMAC_TILE_ROWS ? m - row0 : LRTK_TMAC_TILE_ROWS;
  if (job->int8_fn) { /* every token at once: a group's codes are unpacked once for all */
    job->int8_fn(job->w, &job->format, tile, job->acts, job->n, out);
    for (int i = 0; i < job->n; i++)
      memcpy(job->y + (size_t)i * m + row0, out + LRTK_TMAC_TILE_ROWS * i,
             (size_t)rows * sizeof(float));
    return;
  }
  /* The tile's weights come from memory for token 0 and from cache for the others; a kernel
   * with a two-token tile loads and splits each block once per pair of tokens. */
  for (int i = 0; i < job->n;) {
    const int tokens = job->tile2_fn && i + 1 < job->n ? 2 : 1;
    (tokens == 2 ? job->tile2_fn : job->tile_fn)(job->w, &job->format, tile, &tables[i], out);
    for (int j = 0; j < tokens; j++, i++)
      memcpy(job->y + (size_t)i * m + row0, out + LRTK_TMAC_TILE_ROWS * j,
             (size_t)rows * sizeof(float));
  }
}

/* One unit of the shared work: a tile, or with pair_fn two tiles and then pair_fn. */
static void run_unit(gemm_job *job, const lrtk_tmac_tables *tables, int unit,
                     float out[LRTK_INT8_MAX_BATCH * LRTK_TMAC_TILE_ROWS]) {
  if (!job->pair_fn) {
    run_tile(job, tables, unit, out);
    return;
  }
  run_tile(job, tables, 2 * unit, out);
  run_tile(job, tables, 2 * unit + 1, out);
  job->pair_fn(job->pair_ctx, unit);
}

/* Whether any thread's share still has a unit of work. */
static int units_left(gemm_job *job, int nt) {
  for (int t = 0; t < nt; t++) {
    const uint64_t v = atomic_load(&job->shares[t]);
    if ((uint32_t)v < (uint32_t)(v >> 32)) return 1;
  }
  return 0;
}

/* Each thread walks its own contiguous share of the tiles front to back: one sequential
 * stream for the hardware prefetcher (tiles handed out one at a time interleaved the
 * threads' streams, 3-14% slower on 2 threads at 2-bit TinyLlama and 4096x4096 shapes). A
 * thread that is done takes tiles from the back of the others' shares, so a thread the OS
 * deschedules (a shared machine, a slower core) delays only its current tile; this decoded
 * 1-10% faster on 2 threads than runs of adjacent tiles handed out in turn (alternated in
 * one process). A tile's result does not depend on its thread. */
static void gemm_worker(void *ctx, int ti, int nt) {
  gemm_job *job = ctx;
  const lrtk_tmac_tables *tables = job->tables;
  lrtk_tmac_tables own;
  if (job->own) { /* see gemm: no barrier, each thread starts its tiles when its tables are done */
    /* A thread that starts late (the pool's caller running an index no worker claimed) may
     * find every unit taken; its tables would go unused. */
    if (!units_left(job, nt)) return;
    const int k = job->w->k, groups = k / job->w->group_size;
    const table_out o = tables_at(job->own + job->own_bytes * ti, k, groups);
    job->build_tables(job->x, k, job->w->group_size, o.lut, o.lut_scale, o.xsum);
    own = (lrtk_tmac_tables){.lut = o.lut, .lut_scale = o.lut_scale, .xsum = o.xsum};
    tables = &own;
  } else {
    build_tables_share(job, ti, nt);
  }
  float out[LRTK_INT8_MAX_BATCH * LRTK_TMAC_TILE_ROWS];
  for (int unit; (unit = take_unit(&job->shares[ti], 0)) >= 0;) run_unit(job, tables, unit, out);
  for (int v = 1; v < nt; v++)
    for (int unit; (unit = take_unit(&job->shares[(ti + v) % nt], 1)) >= 0;)
      run_unit(job, tables, unit, out);
}

/* lrtk_tmac_gemm, or with int8 set lrtk_int8_gemm: the same checks, work sharing and
 * scratch; only the per-token preparation and the tile kernel differ. */
static int gemm(lrtk_pool *pool, const lrtk_tmac_matrix *w, const float *x, int n, float *y,
                int int8, lrtk_tmac_pair_fn pair_fn, void *pair_ctx) {
  if (!w || !x || !y || !w->packed || !w->scales) return LRTK_E_NULL;
  int err = lrtk_tmac_check_shape(w->qtype, w->m, w->k, w->group_size);
  if (err != LRTK_OK) return err;
  if (n < 1 || n > (int8 ? LRTK_INT8_MAX_BATCH : LRTK_TMAC_MAX_BATCH)) return LRTK_E_BATCH;
  if (w->has_zeros != (w->zeros != NULL) || (w->has_zeros && w->qtype == LRTK_Q_TERNARY))
    return LRTK_E_ZEROS;

  const int kernel = lrtk_tmac_get_kernel();
  if (kernel < 0) return kernel;
  gemm_job job = {.w = w, .n = n, .y = y, .x = x, .tile_fn = tile_fn_of(kernel),
                  .tile2_fn = tile2_fn_of(kernel),
                  .build_tables = tables_fn_of(kernel), .int8_fn = int8 ? int8_fn_of(kernel) : NULL,
                  .pair_fn = pair_fn, .pair_ctx = pair_ctx};
  atomic_init(&job.tables_built, 0);
  lrtk_tmac_format_of(w->qtype, &job.format);
  const int k = w->k, groups = k / w->group_size;
  const size_t lut_bytes = (size_t)k * 4, float_bytes = (size_t)groups * sizeof(float);
  /* tables: k * 4 bytes + 2 floats per group; int8: k bytes + 3 four-byte values per group,
   * rounded up to 8 bytes: the 64-bit work shares follow the last token's (an odd group count
   * misaligned them, which AArch64's atomics refuse with SIGBUS) */
  const size_t per_token = (lut_bytes + (2 + int8) * float_bytes + 7) / 8 * 8;
  const int nt = lrtk_pool_threads(pool);
  /* Decoding (one token through the tables), every thread builds the whole table for itself
   * instead of a share of it: sharing needs a barrier before the tiles, and a thread that
   * waits there for one the OS has not yet run (or woken) idles; at 2 threads that spin was
   * 10% of a 2-bit TinyLlama decode's samples (perf, shared 2-core VM). Building it twice
   * costs ~1% of a GEMV; with a batch it would cost n times that, so batches share. */
  const int own = n == 1 && !int8;
  const size_t blocks = own ? (size_t)nt : (size_t)n;
  const size_t bytes = per_token * blocks + (size_t)nt * sizeof(tile_range);
  uint8_t *scratch = pool ? lrtk_pool_scratch(pool, bytes) : malloc(bytes);
  if (!scratch) return LRTK_E_NOMEM;
  job.shares = (tile_range *)(scratch + per_token * blocks);
  job.own = own ? scratch : NULL;
  job.own_bytes = per_token;
  const uint64_t units = (uint64_t)(w->m + LRTK_TMAC_TILE_ROWS - 1) / LRTK_TMAC_TILE_ROWS /
                         (pair_fn ? 2 : 1); /* tiles, or pairs of them */
  for (int t = 0; t < nt; t++) {
    const uint32_t front = (uint32_t)(units * t / nt), back = (uint32_t)(units * (t + 1) / nt);
    atomic_init(&job.shares[t], range_of(front, back));
  }
  for (int i = 0; i < n; i++) {
    const table_out o = tables_at(scratch + per_token * i, k, groups);
    job.out[i] = o;
    job.tables[i] = (lrtk_tmac_tables){.lut = o.lut, .lut_scale = o.lut_scale, .xsum = o.xsum};
    job.acts[i] = (lrtk_int8_acts){.q = o.lut, .step = o.lut_scale, .xsum = o.xsum,
                                   .offset = (int32_t *)(o.xsum + groups)};
  }
  lrtk_pool_run(pool, gemm_worker, &job);
  if (!pool) free(scratch);
  return LRTK_OK;
}

int lrtk_tmac_gemm(lrtk_pool *pool, const lrtk_tmac_matrix *w, const float *x, int n, float *y) {
  return gemm(pool, w, x, n, y, 0, NULL, NULL);
}

int lrtk_tmac_gemv_pairs(lrtk_pool *pool, const lrtk_tmac_matrix *w, const float *x, float *y,
                         lrtk_tmac_pair_fn fn, void *ctx) {
  if (!fn) return LRTK_E_NULL;
  if (w && w->m % (2 * LRTK_TMAC_TILE_ROWS) != 0) return LRTK_E_SHAPE;
  return gemm(pool, w, x, 1, y, 0, fn, ctx);
}

int lrtk_int8_gemm(lrtk_pool *pool, const lrtk_tmac_matrix *w, const float *x, int n, float *y) {
  return gemm(pool, w, x, n, y, 1, NULL, NULL);
}

static int chosen_prefill = LRTK_PREFILL_AUTO;

int lrtk_set_prefill(int mode) {
  if (mode < LRTK_PREFILL_AUTO || mode > LRTK_PREFILL_INT8) return LRTK_E_NULL;
  chosen_prefill = mode;
  return LRTK_OK;
}

/* $LRTK_PREFILL as a mode, read once as $LRTK_KERNEL is. */
static int env_prefill(void) {
  static _Atomic int cached = NOT_READ;
  int mode = cached;
  if (mode == NOT_READ) {
    const char *v = getenv("LRTK_PREFILL");
    mode = v == NULL || *v == '\0' || strcmp(v, "auto") == 0 ? LRTK_PREFILL_AUTO
           : strcmp(v, "tables") == 0                        ? LRTK_PREFILL_TABLES
           : strcmp(v, "int8") == 0                          ? LRTK_PREFILL_INT8
                                                             : LRTK_E_PREFILL_ENV;
    cached = mode;
  }
  return mode;
}

int lrtk_get_prefill(void) {
  const int mode = chosen_prefill != LRTK_PREFILL_AUTO ? chosen_prefill : env_prefill();
  if (mode != LRTK_PREFILL_AUTO) return mode;
  const int kernel = lrtk_tmac_get_kernel();
  if (kernel < 0) return kernel;
#if defined(__x86_64__)
  if (int8_fn_of(kernel) == lrtk_int8_tile_vnni) return LRTK_PREFILL_INT8;
#endif
  return LRTK_PREFILL_TABLES;
}

int lrtk_prefill_uses_int8(const lrtk_tmac_matrix *w, int n) {
  const int forced = chosen_prefill != LRTK_PREFILL_AUTO ? chosen_prefill : env_prefill();
  if (forced < 0) return forced;
  if (n < LRTK_INT8_MIN_BATCH) return 0;
  if (forced != LRTK_PREFILL_AUTO) return forced == LRTK_PREFILL_INT8;
  (void)w; /* AUTO: the same choice at every width (lrtk_tmac.h) */
  const int mode = lrtk_get_prefill();
  return mode < 0 ? mode : mode == LRTK_PREFILL_INT8;
}
