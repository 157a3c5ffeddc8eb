#ifndef LRTK_TMAC_INTERNAL_H
#define LRTK_TMAC_INTERNAL_H
/* Shared between the packer, the table builder and the kernels; not part of the public API. */
#include <string.h>

#include "lrtk_cpu.h"
#include "lrtk_tmac.h"

/* An IEEE half as a float, exactly; the scalar kernel's conversion, which F16C (x86) and
 * vcvt_f32_f16 (NEON) do in hardware with the same result. */
static inline float lrtk_half_to_float(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  if (exp == 0) { /* zero or subnormal: man * 2^-24 is exact in float */
    const float f = (float)man * 0x1p-24f;
    return sign ? -f : f;
  }
  const uint32_t magnitude = exp == 0x1f ? 0x7f800000u | man << 13 : (exp + 112) << 23 | man << 13;
  const uint32_t bits = sign | magnitude;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* What a qtype means to the kernels: how many bit planes and the integer weight of each. */
typedef struct {
  int planes;      /* 1..4 one-bit planes per weight */
  int coef[4];     /* plane weights as integers: 2^j, or 1 and 1 for ternary */
  int span_quads;  /* quads summed in int16 before widening: 127*sum(coef)*span <= 32767 */
} lrtk_tmac_format;

/* One token's lookup tables, built once per lrtk_tmac_gemm call. */
typedef struct {
  const int8_t *lut;       /* k/4 tables of 16 entries */
  const float *lut_scale;  /* per group: table step times the 1/2 of the plane weights */
  const float *xsum;       /* per group: sum of the activations (for zero points) */
} lrtk_tmac_tables;

/* Computes the tile's 64 outputs (padding rows included) for one token. */
typedef void (*lrtk_tmac_tile_fn)(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f,
                                  int tile, const lrtk_tmac_tables *t, float out[64]);

/* Where a nibble lives (the layout at lrtk_tmac_pack). A quad's planes are stored in blocks:
 * pairs of planes (64 bytes: the low nibble of byte b is row b/2, plane j + (b & 1)) and, for
 * an odd plane count, a last single plane (32 bytes: the low nibble of byte b is row
 * 16*(b&1) + b/2). A high nibble is its low nibble's row + 32. Both put rows 16a..16a+15 in
 * the a-th widened int16 vector, so AVX2 and NEON reductions come out in row order. */
#define LRTK_TMAC_PAIR_BYTES 64
#define LRTK_TMAC_SINGLE_BYTES 32
static inline int lrtk_tmac_pair_row(int b) { return b >> 1; }
static inline int lrtk_tmac_single_row(int b) { return 16 * (b & 1) + (b >> 1); }

/* How far ahead of its reads a kernel asks for weights (one prefetch per block): weights are
 * read once, front to back, and asking for each cache line this far ahead hides memory
 * latency the hardware prefetcher leaves exposed. AVX2 (measured on 1 thread, streamed
 * 4096x4096): 15-20% faster at 2, 3 and 4 bits than no prefetch; 8 KiB ahead beat 2 KiB by
 * 2-6% on the TinyLlama GEMV shapes at 2 and 4 bits, 1 and 2 threads (alternating in one
 * process), and by 1-4% in decode; 16 and 32 KiB were no better. NEON uses the same distance,
 * unmeasured on real ARM cores (see docs/raspberry-pi.md). The AVX-512 kernel prefetches
 * as far ahead, except on Zen 4 (tmac_avx512.c says why). */
#define LRTK_TMAC_PREFETCH_BYTES 8192
/* The AVX-512 kernel's distance: the same, but none on Zen 4 (tmac_avx512.c says why). */
static inline int lrtk_tmac_avx512_prefetch_bytes(void) {
  return lrtk_cpu_is_zen4() ? 0 : LRTK_TMAC_PREFETCH_BYTES;
}

/* Where tile `tile` of w starts: its packed planes, its scales and its zero-point biases (NULL
 * without zeros), each read front to back by a kernel. */
typedef struct {
  const uint8_t *packed;
  const uint16_t *scale, *bias;
} lrtk_tmac_tile_data;
size_t lrtk_tmac_tile_bytes(int planes, int k);
static inline lrtk_tmac_tile_data lrtk_tmac_tile_at(const lrtk_tmac_matrix *w, int planes,
                                                    int tile) {
  const size_t first = (size_t)tile * (w->k / w->group_size) * LRTK_TMAC_TILE_ROWS;
  return (lrtk_tmac_tile_data){w->packed + (size_t)tile * lrtk_tmac_tile_bytes(planes, w->k),
                               w->scales + first, w->zeros ? w->zeros + first : NULL};
}

/* The walk over a tile that every SIMD kernel shares: group by group, spans of at most
 * span_quads quads, each summed and scaled into the kernel's outputs by span(), then the
 * group's zero-point term by bias() where the matrix has zeros. A kernel passes its own
 * always-inline steps, which GCC inlines here (constant function pointers), and its state
 * (output registers, plane weights) as `out`; `planes` reaches span() as the constant that
 * LRTK_TMAC_BY_PLANES made it, so the kernel's plane loop unrolls. lut, step and xsum are
 * token t's; a kernel that runs more tokens at once finds theirs through the group g and
 * lut's offset in t's tables. */
typedef const uint8_t *(*lrtk_tmac_span_fn)(void *out, const uint8_t *p, const int8_t *lut,
                                             int span, int planes, const uint16_t *scale,
                                             float step, int g);
typedef void (*lrtk_tmac_bias_fn)(void *out, const uint16_t *bias, float xsum, int g);
static inline __attribute__((always_inline)) void lrtk_tmac_walk_tile(
    const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int planes, int tile,
    const lrtk_tmac_tables *t, void *out, lrtk_tmac_span_fn span_fn, lrtk_tmac_bias_fn bias_fn) {
  const int groups = w->k / w->group_size, group_quads = w->group_size / 4;
  const lrtk_tmac_tile_data at = lrtk_tmac_tile_at(w, planes, tile);
  const uint8_t *p = at.packed;
  const uint16_t *scale = at.scale, *bias = at.bias;
  const int8_t *lut = t->lut;
  for (int g = 0; g < groups; g++, scale += LRTK_TMAC_TILE_ROWS) {
    for (int q0 = 0; q0 < group_quads; q0 += f->span_quads) {
      const int span = group_quads - q0 < f->span_quads ? group_quads - q0 : f->span_quads;
      p = span_fn(out, p, lut, span, planes, scale, t->lut_scale[g], g);
      lut += 16 * span;
    }
    if (bias) {
      bias_fn(out, bias, t->xsum[g], g);
      bias += LRTK_TMAC_TILE_ROWS;
    }
  }
}

int lrtk_tmac_format_of(int qtype, lrtk_tmac_format *f);
/* Validates qtype, m, k and group_size together; LRTK_OK or the first error. */
int lrtk_tmac_check_shape(int qtype, int m, int k, int group_size);
/* Builds one token's tables (see tmac_tables.c); the AVX2 and AVX-512 builders give identical
 * bytes. */
typedef void (*lrtk_tmac_tables_fn)(const float *x, int k, int group_size, int8_t *lut,
                                    float *lut_scale, float *xsum);
void lrtk_tmac_build_tables(const float *x, int k, int group_size, int8_t *lut,
                            float *lut_scale, float *xsum);

/* A group's table scale and activation sum; returns 1/step for quantizing its entries. Every
 * builder calls this one function, in a fixed order of float operations (8 running sums,
 * combined pairwise), so their tables agree to the bit; the loops vectorize as written. */
static inline float lrtk_tmac_group_stats(const float *xg, int group_size, float *lut_scale,
                                          float *xsum) {
  float amax = 0.0f, part[8] = {0};
  for (int c = 0; c < group_size; c += 4) {
    float a = (__builtin_fabsf(xg[c]) + __builtin_fabsf(xg[c + 1])) +
              (__builtin_fabsf(xg[c + 2]) + __builtin_fabsf(xg[c + 3]));
    amax = a > amax ? a : amax;
  }
  for (int c = 0; c < group_size; c += 8)
    for (int l = 0; l < 8; l++) part[l] += xg[c + l];
  *xsum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  /* Plane signs carry weight 2^(j-1) = coef/2: the 1/2 goes into the scale (exact). */
  *lut_scale = 0.5f * (amax / 127.0f);
  return amax > 0.0f ? 127.0f / amax : 0.0f;
}

/* The x86 kernels' vpmaddubsw operand for a plane pair j, j+1: c_j and c_j+1 in the two bytes
 * of each int16 (adjacent bytes of a pair block are those planes of one row). A single last
 * plane is the pair (c, 0) for even bytes and (0, c) for odd ones. */
static inline short lrtk_tmac_coef_pair(int low, int high) { return (short)(low | high << 8); }

/* Calls fn(w, f, planes, ...) with the plane count as a constant, so that a SIMD kernel's
 * plane loop unrolls and its plane weights stay in registers. */
#define LRTK_TMAC_BY_PLANES(fn, w, f, ...)          \
  switch ((f)->planes) {                            \
    case 1: fn(w, f, 1, __VA_ARGS__); break;        \
    case 2: fn(w, f, 2, __VA_ARGS__); break;        \
    case 3: fn(w, f, 3, __VA_ARGS__); break;        \
    default: fn(w, f, 4, __VA_ARGS__); break;       \
  }

/* Byte b of the block that starts at plane j (a pair, or the single last plane): the plane
 * its nibbles belong to and the row of its low nibble (the high nibble's is + 32). */
static inline int lrtk_tmac_block_row(const lrtk_tmac_format *f, int j, int b, int *plane) {
  const int pair = j + 1 < f->planes;
  *plane = pair ? j + (b & 1) : j;
  return pair ? lrtk_tmac_pair_row(b) : lrtk_tmac_single_row(b);
}
static inline int lrtk_tmac_block_bytes(const lrtk_tmac_format *f, int j) {
  return j + 1 < f->planes ? LRTK_TMAC_PAIR_BYTES : LRTK_TMAC_SINGLE_BYTES;
}

void lrtk_tmac_tile_scalar(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                           const lrtk_tmac_tables *t, float out[64]);
#if defined(__x86_64__)
void lrtk_tmac_build_tables_avx2(const float *x, int k, int group_size, int8_t *lut,
                                 float *lut_scale, float *xsum);
void lrtk_tmac_tile_avx2(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                         const lrtk_tmac_tables *t, float out[64]);
#endif
#if defined(__x86_64__)
void lrtk_tmac_build_tables_avx512(const float *x, int k, int group_size, int8_t *lut,
                                   float *lut_scale, float *xsum);
void lrtk_tmac_tile_avx512(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                           const lrtk_tmac_tables *t, float out[64]);
/* The same for two tokens at once, tables t[0] and t[1], outputs out[0..63] and out[64..127]. */
void lrtk_tmac_tile2_avx512(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                            const lrtk_tmac_tables *t, float out[128]);
#endif
#if defined(__aarch64__)
void lrtk_tmac_tile_neon(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                         const lrtk_tmac_tables *t, float out[64]);
#endif

/* The int8 prefill GEMM (int8_gemm.c). Each token's activations are rounded to int8, one
 * step per group (amax / 127), and each tile's weights are unpacked from the bit planes into
 * their codes c = sum_j coef_j * bit_j, group by group; a row's group sum is then the exact
 * integer 2 * sum(c * q) - sum(coef) * sum(q), i.e. sum(d * q) with d = 2c - sum(coef) the
 * weight times 2 that the T-MAC tables see, and it is scaled as the T-MAC kernels scale
 * theirs: out += (float(isum) * scale) * step, then bias * xsum. Every int8 kernel does the
 * same integer sums and float operations, so they equal the scalar one bit for bit. */
typedef struct {
  int8_t *q;       /* k activations, q = round(x * 127 / amax) per group */
  float *step;     /* per group: amax / 127 / 2 (the 1/2 of d = 2c - sum(coef)) */
  float *xsum;     /* per group: sum of the float activations (zero points) */
  int32_t *offset; /* per group: sum(coef) * sum(q) */
} lrtk_int8_acts;

/* Computes the tile's 64 outputs for each of the n tokens: out[64 * i + r]. */
typedef void (*lrtk_int8_tile_fn)(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f,
                                  int tile, const lrtk_int8_acts *a, int n, float *out);

/* Rounds `len` activations (whole groups) to int8; every int8 kernel uses this one function,
 * so their activations agree to the bit. coef_sum: sum of the format's plane weights. */
void lrtk_int8_quantize(const float *x, int len, int group_size, int coef_sum,
                        const lrtk_int8_acts *out);
/* The unpacked codes of one group of a tile: for each quad, 64 rows x 4 codes (row r at bytes
 * 4r..4r+3, column 4q+i at byte i), VNNI's operand layout. */
#define LRTK_INT8_QUAD_BYTES 256
void lrtk_int8_tile_scalar(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                           const lrtk_int8_acts *a, int n, float *out);
#if defined(__x86_64__)
void lrtk_int8_tile_avx2(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                         const lrtk_int8_acts *a, int n, float *out);
void lrtk_int8_tile_vnni(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int tile,
                         const lrtk_int8_acts *a, int n, float *out);
#endif

/* A spin-wait hint for the pool and the kernels' barriers. */
static inline void lrtk_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Scratch memory owned by a pool, reused across calls (grows, never shrinks). */
void *lrtk_pool_scratch(lrtk_pool *pool, size_t bytes);

#endif
