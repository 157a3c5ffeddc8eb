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

float lrtk_dense_get(const lrtk_dense *d, size_t i) {
  if (d->dtype == LRTK_DT_F32) return ((const float *)d->data)[i];
  return half_to_float(((const uint16_t *)d->data)[i]);
}

void lrtk_dense_row(const lrtk_dense *d, size_t row, int cols, float *out) {
  for (int j = 0; j < cols; j++) out[j] = lrtk_dense_get(d, row * (size_t)cols + j);
}

typedef struct {
  const lrtk_linear *l;
  const float *x;
  int n;
  float *y;
} dense_job;

static void dense_rows(void *ctx, int ti, int nt) {
  const dense_job *job = ctx;
  const lrtk_linear *l = job->l;
  int per = (l->m + nt - 1) / nt, r0 = ti * per, r1 = r0 + per < l->m ? r0 + per : l->m;
  for (int r = r0; r < r1; r++) {
    size_t base = (size_t)r * l->k;
    for (int t = 0; t < job->n; t++) {
      const float *x = job->x + (size_t)t * l->k;
      float sum = 0.0f;
      if (l->dense.dtype == LRTK_DT_F32) {
        const float *w = (const float *)l->dense.data + base;
        for (int j = 0; j < l->k; j++) sum += w[j] * x[j];
      } else {
        const uint16_t *w = (const uint16_t *)l->dense.data + base;
        for (int j = 0; j < l->k; j++) sum += half_to_float(w[j]) * x[j];
      }
      job->y[(size_t)t * l->m + r] = sum;
    }
  }
}

/* y[n][m] = x[n][k] W^T + bias, n <= LRTK_MAX_BATCH. */
int lrtk_linear_forward(lrtk_pool *pool, const lrtk_linear *l, const float *x, int n, float *y) {
  if (l->quantized) {
    int rc = lrtk_tmac_gemm(pool, &l->q, x, n, y);
    if (rc != 0) return rc;
  } else {
    dense_job job = {l, x, n, y};
    lrtk_pool_run(pool, dense_rows, &job);
  }
  if (l->bias)
    for (int t = 0; t < n; t++)
      for (int r = 0; r < l->m; r++) y[(size_t)t * l->m + r] += l->bias[r];
  return 0;
}
