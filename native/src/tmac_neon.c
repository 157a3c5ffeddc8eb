/* NEON kernel. vld2q_u8 splits 32 bytes into even and odd bytes: in a pair block (see
 * tmac_internal.h) those are planes j and j+1 of rows 0-15 (then 16-31 in the next 32
 * bytes), in a single plane block rows 0-15 and 16-31; high nibbles are the rows + 32. Each
 * 16-byte index vector is one vqtbl1q_s8 lookup in the quad's table, and vmlal_s8 widens the
 * int8 results to int16 while applying the plane weight. Like the AVX2 kernel it asks for
 * each block's weights LRTK_TMAC_PREFETCH_BYTES ahead (prfm), and tmac_gemm.c asks for the
 * next matrix's first weights at the end of a GEMM, for every kernel. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "tmac_internal.h"

#define INLINE inline __attribute__((always_inline))

/* acc[2s], acc[2s+1] (rows 16s .. 16s+15) += c * table[index]. */
static INLINE void add_lookup(int16x8_t acc[8], int s, int8x16_t table, uint8x16_t index,
                              int8x16_t c) {
  const int8x16_t r = vqtbl1q_s8(table, index);
  acc[2 * s] = vmlal_s8(acc[2 * s], vget_low_s8(r), vget_low_s8(c));
  acc[2 * s + 1] = vmlal_high_s8(acc[2 * s + 1], r, c);
}

/* Low and high nibbles of 16 bytes: rows s and s + 2 (in units of 16 rows). */
static INLINE void add_nibbles(int16x8_t acc[8], int s, int8x16_t table, uint8x16_t bytes,
                               int8x16_t c) {
  add_lookup(acc, s, table, vandq_u8(bytes, vdupq_n_u8(0x0f)), c);
  add_lookup(acc, s + 2, table, vshrq_n_u8(bytes, 4), c);
}

static INLINE float32x4_t load_halves(const uint16_t *p) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

/* A tile's outputs (rows 4v .. 4v+3 in out[v]) and its plane weights. */
typedef struct {
  float32x4_t out[16];
  const int *coef;
} state;

/* Sums `span` quads into int16 accumulators acc[2s], acc[2s+1] = rows 16s .. 16s+15, then
 * out[r] += (float(sum[r]) * scale[r]) * step, the scalar kernel's order of operations. */
static INLINE const uint8_t *span_step(void *st, const uint8_t *p, const int8_t *lut, int span,
                                       int planes, const uint16_t *scale, float step, int g) {
  state *s = st;
  (void)g; /* one token: step and xsum are its own */
  const int *coef = s->coef;
  int16x8_t acc[8];
  for (int a = 0; a < 8; a++) acc[a] = vdupq_n_s16(0);
  for (int q = 0; q < span; q++, lut += 16) {
    const int8x16_t table = vld1q_s8(lut);
    for (int j = 0; j + 1 < planes; j += 2, p += LRTK_TMAC_PAIR_BYTES) {
      __builtin_prefetch(p + LRTK_TMAC_PREFETCH_BYTES); /* one line per block */
      const int8x16_t c0 = vdupq_n_s8((int8_t)coef[j]), c1 = vdupq_n_s8((int8_t)coef[j + 1]);
      for (int h = 0; h < 2; h++) {
        const uint8x16x2_t bytes = vld2q_u8(p + 32 * h);
        add_nibbles(acc, h, table, bytes.val[0], c0);
        add_nibbles(acc, h, table, bytes.val[1], c1);
      }
    }
    if (planes & 1) {
      __builtin_prefetch(p + LRTK_TMAC_PREFETCH_BYTES);
      const int8x16_t c = vdupq_n_s8((int8_t)coef[planes - 1]);
      const uint8x16x2_t bytes = vld2q_u8(p);
      p += LRTK_TMAC_SINGLE_BYTES;
      add_nibbles(acc, 0, table, bytes.val[0], c);
      add_nibbles(acc, 1, table, bytes.val[1], c);
    }
  }
  for (int a = 0; a < 8; a++) {
    const int32x4_t halves[2] = {vmovl_s16(vget_low_s16(acc[a])), vmovl_high_s16(acc[a])};
    for (int h = 0; h < 2; h++) {
      const int v = 2 * a + h; /* rows 4v .. 4v+3 */
      float32x4_t f = vcvtq_f32_s32(halves[h]);
      f = vmulq_n_f32(vmulq_f32(f, load_halves(scale + 4 * v)), step);
      s->out[v] = vaddq_f32(s->out[v], f);
    }
  }
  return p;
}

static INLINE void bias_step(void *st, const uint16_t *bias, float xsum, int g) {
  state *s = st;
  (void)g; /* one token: step and xsum are its own */
  for (int v = 0; v < 16; v++)
    s->out[v] = vaddq_f32(s->out[v], vmulq_n_f32(load_halves(bias + 4 * v), xsum));
}

static INLINE void tile(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int planes,
                        int tile_index, const lrtk_tmac_tables *t, float result[64]) {
  state s;
  s.coef = f->coef;
  for (int v = 0; v < 16; v++) s.out[v] = vdupq_n_f32(0.0f);
  lrtk_tmac_walk_tile(w, f, planes, tile_index, t, &s, span_step, bias_step);
  for (int v = 0; v < 16; v++) vst1q_f32(result + 4 * v, s.out[v]);
}

void lrtk_tmac_tile_neon(const lrtk_tmac_matrix *w, const lrtk_tmac_format *f, int t_index,
                         const lrtk_tmac_tables *t, float out[64]) {
  LRTK_TMAC_BY_PLANES(tile, w, f, t_index, t, out)
}
#endif
