/* Linear layers: low-bit weights go through the T-MAC kernels, dense f32/f16 weights (the
 * verification export and a kept-precision output head) through a plain threaded dot loop. */
#include <string.h>

#include "model_internal.h"

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13); /* inf / nan */
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else { /* subnormal: shift the mantissa up until it is normal */
    exp = 113;
    while ((mant & 0x400) == 0) {
      mant <<= 1;
      exp--;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static float dense_get(const lrtk_dense *d, size_t i) {
  if (d->dtype == LRTK_DT_F32) return ((const float *)d->data)[i];
  return half_to_float(((const uint16_t *)d->data)[i]);
}

void lrtk_dense_row(const lrtk_dense *d, size_t row, int cols, float *out) {
  for (int j = 0; j < cols; j++) out[j] = dense_get(d, row * (size_t)cols + j);
}

/*
 * Dense dot products keep 8 partial sums (element j goes to lane j % 8) combined in one fixed
 * order, with separate multiply and add (the library builds with -ffp-contract=off). The AVX2,
 * NEON and scalar paths therefore add the same numbers in the same order: a dense output head
 * gives bit-identical logits, and identical greedy tokens, on every machine.
 */
#define LANES 8

static float combine(const float *acc, const float *w_tail, const uint16_t *h_tail,
                     const float *x_tail, int tail) {
  float a[LANES];
  memcpy(a, acc, sizeof(a));
  for (int j = 0; j < tail; j++)
    a[j] += (w_tail ? w_tail[j] : half_to_float(h_tail[j])) * x_tail[j];
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

static float dot_scalar(const float *w32, const uint16_t *w16, const float *x, int k) {
  float acc[LANES] = {0};
  int k8 = k / LANES * LANES;
  for (int j = 0; j < k8; j += LANES)
    for (int l = 0; l < LANES; l++)
      acc[l] += (w32 ? w32[j + l] : half_to_float(w16[j + l])) * x[j + l];
  return combine(acc, w32 ? w32 + k8 : NULL, w32 ? NULL : w16 + k8, x + k8, k - k8);
}

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx2,f16c"))) static float dot_avx2(const float *w32, const uint16_t *w16,
                                                             const float *x, int k) {
  __m256 acc = _mm256_setzero_ps();
  int k8 = k / LANES * LANES;
  for (int j = 0; j < k8; j += LANES) {
    __m256 w = w32 ? _mm256_loadu_ps(w32 + j)
                   : _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w16 + j)));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(w, _mm256_loadu_ps(x + j)));
  }
  float a[LANES];
  _mm256_storeu_ps(a, acc);
  return combine(a, w32 ? w32 + k8 : NULL, w32 ? NULL : w16 + k8, x + k8, k - k8);
}
#elif defined(__aarch64__)
#include <arm_neon.h>
static float dot_neon(const float *w32, const uint16_t *w16, const float *x, int k) {
  float32x4_t lo = vdupq_n_f32(0.0f), hi = vdupq_n_f32(0.0f);
  int k8 = k / LANES * LANES;
  for (int j = 0; j < k8; j += LANES) {
    float32x4_t wl, wh;
    if (w32) {
      wl = vld1q_f32(w32 + j);
      wh = vld1q_f32(w32 + j + 4);
    } else {
      float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(w16 + j));
      wl = vcvt_f32_f16(vget_low_f16(h));
      wh = vcvt_f32_f16(vget_high_f16(h));
    }
    lo = vaddq_f32(lo, vmulq_f32(wl, vld1q_f32(x + j)));
    hi = vaddq_f32(hi, vmulq_f32(wh, vld1q_f32(x + j + 4)));
  }
  float a[LANES];
  vst1q_f32(a, lo);
  vst1q_f32(a + 4, hi);
  return combine(a, w32 ? w32 + k8 : NULL, w32 ? NULL : w16 + k8, x + k8, k - k8);
}
#endif

static int have_simd(void) {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
#elif defined(__aarch64__)
  return 1;
#else
  return 0;
#endif
}

static float dense_dot(const lrtk_dense *d, size_t row, const float *x, int k, int simd) {
  const float *w32 = d->dtype == LRTK_DT_F32 ? (const float *)d->data + row * k : NULL;
  const uint16_t *w16 = w32 ? NULL : (const uint16_t *)d->data + row * k;
#if defined(__x86_64__)
  if (simd) return dot_avx2(w32, w16, x, k);
#elif defined(__aarch64__)
  if (simd) return dot_neon(w32, w16, x, k);
#endif
  (void)simd;
  return dot_scalar(w32, w16, x, k);
}

typedef struct {
  const lrtk_linear *l;
  const float *x;
  int n;
  float *y;
  int simd;
} dense_job;

static void dense_rows(void *ctx, int ti, int nt) {
  const dense_job *job = ctx;
  const lrtk_linear *l = job->l;
  int per = (l->m + nt - 1) / nt, r0 = ti * per, r1 = r0 + per < l->m ? r0 + per : l->m;
  for (int r = r0; r < r1; r++)
    for (int t = 0; t < job->n; t++)
      job->y[(size_t)t * l->m + r] =
          dense_dot(&l->dense, (size_t)r, job->x + (size_t)t * l->k, l->k, job->simd);
}

/* y[n][m] = x[n][k] W^T + bias, n <= LRTK_MAX_BATCH: the int8 product takes all n at once,
 * the tables 16 at a time. */
int lrtk_linear_forward(lrtk_pool *pool, const lrtk_linear *l, const float *x, int n, float *y) {
  if (l->quantized) {
    const int int8 = lrtk_prefill_uses_int8(&l->q, n);
    if (int8 < 0) return int8;
    int rc = int8 ? lrtk_int8_gemm(pool, &l->q, x, n, y) : 0;
    for (int t = 0; !int8 && !rc && t < n; t += LRTK_TMAC_MAX_BATCH) {
      const int b = n - t < LRTK_TMAC_MAX_BATCH ? n - t : LRTK_TMAC_MAX_BATCH;
      rc = lrtk_tmac_gemm(pool, &l->q, x + (size_t)t * l->k, b, y + (size_t)t * l->m);
    }
    if (rc != 0) return rc;
  } else {
    dense_job job = {l, x, n, y, have_simd()};
    lrtk_pool_run(pool, dense_rows, &job);
  }
  if (l->bias)
    for (int t = 0; t < n; t++)
      for (int r = 0; r < l->m; r++) y[(size_t)t * l->m + r] += l->bias[r];
  return 0;
}

typedef struct {
  lrtk_pair_join join;
  void *ctx;
} pair_call;

static void join_pair(void *p, int pair) {
  const pair_call *c = p;
  c->join(c->ctx, 0, pair * LRTK_GATE_UP_BLOCK, LRTK_GATE_UP_BLOCK);
}

int lrtk_linear_forward_pairs(lrtk_pool *pool, const lrtk_linear *l, const float *x, int n,
                              float *y, lrtk_pair_join join, void *ctx) {
  if (n == 1 && l->quantized && !l->bias && l->m % (2 * LRTK_GATE_UP_BLOCK) == 0) {
    pair_call call = {join, ctx};
    return lrtk_tmac_gemv_pairs(pool, &l->q, x, y, join_pair, &call);
  }
  const int rc = lrtk_linear_forward(pool, l, x, n, y), half = l->m / 2;
  for (int t = 0; !rc && t < n; t++)
    for (int r = 0; r < half; r += LRTK_GATE_UP_BLOCK)
      join(ctx, t, r, half - r < LRTK_GATE_UP_BLOCK ? half - r : LRTK_GATE_UP_BLOCK);
  return rc;
}
