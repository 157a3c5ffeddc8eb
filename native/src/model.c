/* The decoder forward pass: RMSNorm, RoPE, grouped-query attention over a KV cache, SwiGLU.
 * Up to LRTK_MAX_BATCH tokens go through each layer together so prefill runs the batched
 * T-MAC kernel; decoding is the same code with n = 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "simd_clones.h"

/* Helpers of the LRTK_SIMD_CLONES functions are forced inline: called, they would run the
 * baseline (SSE) code from the AVX2 or AVX-512 copy, a call per element and a mode switch each
 * time (13% of a decode step when attention called dot). */
#define INLINE inline __attribute__((always_inline))

/* Eight floats in a GCC vector: one ymm with AVX2, two xmm (SSE, NEON) elsewhere, the same
 * IEEE operations per element either way. Loops over these stay in registers, where GCC kept
 * plain float arrays on the stack (see weigh_block). load8 reads eight floats at any float
 * address (aligned(4), may_alias: a view of float arrays). */
typedef float v8f __attribute__((vector_size(32)));
typedef float v8f_view __attribute__((vector_size(32), aligned(4), may_alias));
#define load8(p) (*(const v8f_view *)(p))

/* 8 running sums combined in a fixed order: the same float result on every CPU and vector
 * width. (A pointer: a vector argument would change the ABI of the non-AVX copies.) */
static INLINE float combine_lanes(const v8f *lanes) {
  float l[8];
  memcpy(l, lanes, sizeof l);
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

/* combine_lanes of four lane vectors at once: out[j] = combine_lanes(&l[j]), j < 4, in three
 * vector adds instead of 28 scalar ones (pairwise sums of adjacent lanes, twice, then the two
 * halves), with the same additions in the same order. */
#if defined(__clang__)
#define EVEN(a, b) __builtin_shufflevector(a, b, 0, 2, 8, 10, 4, 6, 12, 14)
#define ODD(a, b) __builtin_shufflevector(a, b, 1, 3, 9, 11, 5, 7, 13, 15)
#else
typedef int v8i __attribute__((vector_size(32)));
#define EVEN(a, b) __builtin_shuffle(a, b, (v8i){0, 2, 8, 10, 4, 6, 12, 14})
#define ODD(a, b) __builtin_shuffle(a, b, (v8i){1, 3, 9, 11, 5, 7, 13, 15})
#endif
static INLINE void combine_lanes4(const v8f l[4], float out[4]) {
  /* ab = (a0+a1, a2+a3, b0+b1, b2+b3, a4+a5, a6+a7, b4+b5, b6+b7); cd likewise */
  const v8f ab = EVEN(l[0], l[1]) + ODD(l[0], l[1]), cd = EVEN(l[2], l[3]) + ODD(l[2], l[3]);
  /* q = ((a0+a1)+(a2+a3), (b0+b1)+(b2+b3), (c..), (d..), then the same of lanes 4-7 */
  const v8f q = EVEN(ab, cd) + ODD(ab, cd);
  for (int j = 0; j < 4; j++) out[j] = q[j] + q[4 + j];
}

/* a . b with 8 running sums: with one sum every add waits for the last, and the attention
 * scores alone took ~10% of a TinyLlama-sized decode step at 100 positions. The order of
 * operations is fixed, so every CPU (and kernel choice) gets the same result. */
static INLINE float dot(const float *a, const float *b, int n) {
  v8f lanes = {0};
  int i = 0;
  for (; i + 8 <= n; i += 8) lanes += load8(a + i) * load8(b + i);
  float sum = combine_lanes(&lanes);
  for (; i < n; i++) sum += a[i] * b[i];
  return sum;
}

/* The sum of a[0..n) in 8 running sums, combined in a fixed order (as in dot). */
static INLINE float lane_sum(const float *a, int n) {
  v8f lanes = {0};
  int i = 0;
  for (; i + 8 <= n; i += 8) lanes += load8(a + i);
  float sum = combine_lanes(&lanes);
  for (; i < n; i++) sum += a[i];
  return sum;
}

/* e^x that GCC vectorizes, for SwiGLU and the attention softmax: libm's expf is one call per
 * element, and SwiGLU's 5632 per layer took 0.8 ms of a TinyLlama decode step (4%).
 * x = n ln2 + r with |r| <= ln2/2, e^r by its degree-6 Taylor polynomial (truncation < 2e-7
 * relative), 2^n written into the exponent bits. x is clamped to +-87 so 2^n stays a normal
 * float; SiLU's result there is 0 or x anyway. Plain float operations in a fixed order: the
 * same result on every CPU. */
static INLINE float exp_approx(float x) {
  x = x > -87.0f ? x : -87.0f; /* selects: maxps / minps under -fno-trapping-math */
  x = x < 87.0f ? x : 87.0f;
  const float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f; /* round(x / ln2), exact */
  const float r = (x - n * 0.693145752f) - n * 1.42860677e-6f;    /* ln2 in two parts */
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = ((int32_t)n + 127) * (1 << 23);
  float two_n;
  memcpy(&two_n, &bits, sizeof two_n);
  return p * two_n;
}

/* out = SiLU(gate) * up, elementwise. e^-gate goes through out first: in one loop, GCC
 * vectorized the clamp at x = 87 as a second division, gate / e^87, computed in every lane
 * and then blended away; for ordinary gates its result is subnormal, and each one took a
 * microcode assist (13.7 us of a 2.7 us SwiGLU per TinyLlama layer on Zen 5). Same float
 * operations either way. */
LRTK_SIMD_CLONES static void swiglu(float *restrict out, const float *restrict gate,
                                    const float *restrict up, int n) {
  for (int i = 0; i < n; i++) out[i] = exp_approx(-gate[i]);
  for (int i = 0; i < n; i++) out[i] = gate[i] / (1.0f + out[i]) * up[i];
}

LRTK_SIMD_CLONES static void rmsnorm(float *out, const float *x, const float *w, int dim,
                                      float eps) {
  float ss = dot(x, x, dim);
  float inv = 1.0f / sqrtf(ss / (float)dim + eps);
  for (int i = 0; i < dim; i++) out[i] = w[i] * (x[i] * inv);
}

/* cs[0..half) = cos(pos * inv_freq[i]) * scale and cs[half..2 half) the sines: the rotation
 * of position pos, which every layer's q and k share. Computed in every layer, the cosf and
 * sinf calls made the split and rotation of q, k and v 54 us of a TinyLlama decode step
 * instead of 31 (one thread). */
static void rope_angles(float *cs, int head_dim, int pos, const float *inv_freq, float scale) {
  const int half = head_dim / 2;
  for (int i = 0; i < half; i++) {
    const float angle = (float)pos * inv_freq[i];
    cs[i] = cosf(angle) * scale;
    cs[half + i] = sinf(angle) * scale;
  }
}

/* Hugging Face's "rotate half" layout: dimension i pairs with i + head_dim/2. */
static void rope(float *v, int n_heads, int head_dim, const float *cs) {
  const int half = head_dim / 2;
  for (int h = 0; h < n_heads; h++) {
    float *p = v + h * head_dim;
    for (int i = 0; i < half; i++) {
      const float a = p[i], b = p[i + half], c = cs[i], s = cs[half + i];
      p[i] = a * c - b * s;
      p[i + half] = b * c + a * s;
    }
  }
}

/* out[0..8 * vectors) = sum over positions p of (att[p] / sum) * v_p (v_p = vbase + p *
 * stride), each out[i] summed from zero in position order, in `vectors` vector sums held in
 * registers across positions: each position's adds wait only for the previous position's add
 * to the same vector, so eight vectors are eight chains at once. Plain float arrays, even of
 * 32, GCC kept on the stack, and every add waited for the previous position's store (28% of
 * attention's samples once). */
static INLINE void weigh_block(float *restrict out, const float *restrict att, float sum,
                               const float *restrict vbase, size_t stride, int start, int pos,
                               int vectors) {
  v8f acc[8] = {0};
  for (int p = start; p <= pos; p++) {
    const float a = att[p] / sum, *v = vbase + (size_t)p * stride;
    for (int j = 0; j < vectors; j++) acc[j] += a * load8(v + 8 * j);
  }
  memcpy(out, acc, (size_t)vectors * sizeof acc[0]);
}

/* weigh_block over out[0..n): 64 outputs at a time, then 8, then one by one, each out[i] with
 * the same operations in the same order, so the same floats on every CPU. */
static INLINE void weigh_values(float *restrict out, const float *restrict att, float sum,
                                const float *restrict vbase, size_t stride, int start, int pos,
                                int n) {
  int i0 = 0;
  for (; i0 + 64 <= n; i0 += 64)
    weigh_block(out + i0, att, sum, vbase + i0, stride, start, pos, 8);
  for (; i0 + 8 <= n; i0 += 8) weigh_block(out + i0, att, sum, vbase + i0, stride, start, pos, 1);
  if (i0 == n) return;
  memset(out + i0, 0, (size_t)(n - i0) * sizeof(float));
  for (int p = start; p <= pos; p++) {
    const float a = att[p] / sum, *v = vbase + (size_t)p * stride;
    for (int i = i0; i < n; i++) out[i] += a * v[i];
  }
}

/* att[p] = (q . k_p) * scale for p in [start, pos] (k_p = kbase + p * stride), as dot
 * computes each, four positions at a time: a dot's eight lanes are one chain of adds each,
 * and four independent ones keep the adders busy. Returns the largest score. */
static INLINE float score_keys(float *restrict att, const float *restrict q,
                               const float *restrict kbase, size_t stride, int start, int pos,
                               int n, float scale) {
  float max = -INFINITY;
  int p = start;
  for (; n % 8 == 0 && p + 4 <= pos + 1; p += 4) {
    v8f lane[4] = {0};
    for (int i = 0; i < n; i += 8) {
      const v8f qi = load8(q + i);
      for (int j = 0; j < 4; j++) lane[j] += qi * load8(kbase + (size_t)(p + j) * stride + i);
    }
    float sums[4];
    combine_lanes4(lane, sums);
    for (int j = 0; j < 4; j++) {
      att[p + j] = sums[j] * scale;
      if (att[p + j] > max) max = att[p + j];
    }
  }
  for (; p <= pos; p++) {
    att[p] = dot(q, kbase + (size_t)p * stride, n) * scale;
    if (att[p] > max) max = att[p];
  }
  return max;
}

/* SwiGLU of one pair of gate and up blocks of token t (LRTK_GATE_UP_BLOCK), from hb to
 * hidden rows [row0, row0 + rows) of hb2. Decoding runs it inside the GEMV, on the thread that
 * computed the pair: run afterwards by the calling thread over all rows, it read the half the
 * other thread wrote from that thread's core, and the other thread idled meanwhile (59-98 us of
 * a TinyLlama step on 2 threads). */
static void swiglu_rows(void *ctx, int t, int row0, int rows) {
  const lrtk_model *m = ctx;
  const int hid = m->config.hidden_dim;
  const float *gate = m->state.hb + (size_t)t * 2 * hid + 2 * (size_t)row0;
  swiglu(m->state.hb2 + (size_t)t * hid + row0, gate, gate + rows, rows);
}

typedef struct {
  lrtk_model *m;
  int layer, n, pos;
} attn_job;

/* One (token, head) pair per iteration. Each thread takes a contiguous range of heads for
 * every token: in decoding it then reads only its own KV heads' cache, which is in memory, not
 * in cache, after a step's weights have streamed through (heads dealt out in turn had both
 * threads read all of it: 25.8 us per TinyLlama layer on 2 threads against 28.4 on one; now
 * about half), and in a batch each thread has every token, so the causal work stays even. */
LRTK_SIMD_CLONES static void attention(void *ctx, int ti, int nt) {
  const attn_job *job = ctx;
  const lrtk_config *c = &job->m->config;
  lrtk_run_state *s = &job->m->state;
  int kv_dim = c->n_kv_heads * c->head_dim, q_dim = c->n_heads * c->head_dim;
  int group = c->n_heads / c->n_kv_heads, window = job->m->weights.layers[job->layer].window;
  size_t layer_off = (size_t)job->layer * c->max_seq_len * kv_dim;
  float scale = 1.0f / sqrtf((float)c->head_dim);
  const int h0 = c->n_heads * ti / nt, h1 = c->n_heads * (ti + 1) / nt;
  for (int it = 0; it < job->n * (h1 - h0); it++) {
    int t = it / (h1 - h0), h = h0 + it % (h1 - h0), pos = job->pos + t;
    int start = window > 0 && pos - window + 1 > 0 ? pos - window + 1 : 0;
    const float *q = s->q + (size_t)t * q_dim + h * c->head_dim;
    float *att = s->att + ((size_t)t * c->n_heads + h) * c->max_seq_len;
    const float *kbase = s->key_cache + layer_off + (h / group) * c->head_dim;
    const float *vbase = s->value_cache + layer_off + (h / group) * c->head_dim;
    const float max = score_keys(att, q, kbase, (size_t)kv_dim, start, pos, c->head_dim, scale);
    for (int p = start; p <= pos; p++) att[p] = exp_approx(att[p] - max); /* vectorizes */
    const float sum = lane_sum(att + start, pos - start + 1);
    weigh_values(s->xb2 + (size_t)t * q_dim + h * c->head_dim, att, sum, vbase, (size_t)kv_dim,
                 start, pos, c->head_dim);
  }
}

/* One decoder layer over the n tokens in s->x (the residual stream), at positions pos.. */
static lrtk_model_status forward_layer(lrtk_model *m, int l, int n, int pos) {
  const lrtk_config *c = &m->config;
  const lrtk_layer *w = &m->weights.layers[l];
  lrtk_run_state *s = &m->state;
  int dim = c->dim, kv_dim = c->n_kv_heads * c->head_dim;
  int q_dim = c->n_heads * c->head_dim;
  size_t cache_at = ((size_t)l * c->max_seq_len + pos) * kv_dim;
  float *k = s->key_cache + cache_at, *v = s->value_cache + cache_at;
  int rc = 0; /* nonzero if a kernel call failed; the layer runs on and the caller is told */

  /* Attention norm: RMSNorm into the scratch xb (pre-norm: x itself stays as it is, for the
   * residual). */
  for (int t = 0; t < n; t++)
    rmsnorm(s->xb + t * dim, s->x + t * dim, w->attn_norm, dim, c->norm_eps);
  /* q, k and v in one kernel call: the weights are stacked, so xb's activation table is built
   * once for all three. */
  rc |= lrtk_linear_forward(m->pool, &w->wqkv, s->xb, n, s->qkv);
  for (int t = 0; t < n; t++) {
    /* Split the stacked row: q to the scratch, k and v straight into this layer's KV cache at
     * their positions (later tokens read them from there). */
    const float *row = s->qkv + (size_t)t * w->wqkv.m;
    memcpy(s->q + (size_t)t * q_dim, row, (size_t)q_dim * sizeof(float));
    memcpy(k + (size_t)t * kv_dim, row + q_dim, (size_t)kv_dim * sizeof(float));
    memcpy(v + (size_t)t * kv_dim, row + q_dim + kv_dim, (size_t)kv_dim * sizeof(float));
    /* RoPE on q and k (not v): position enters attention only through the q.k angle. The cache
     * keeps k rotated, so it is rotated once, not at every later step. */
    const float *cs = s->rope + (size_t)t * c->head_dim;
    rope(s->q + (size_t)t * q_dim, c->n_heads, c->head_dim, cs);
    rope(k + (size_t)t * kv_dim, c->n_kv_heads, c->head_dim, cs);
  }
  /* Attention of every (token, head) over the cache up to its own position, within the layer's
   * sliding window if it has one: causal, and token t of the batch sees the earlier ones
   * because all their k and v are cached above. Output in xb2, heads side by side. */
  attn_job job = {m, l, n, pos};
  lrtk_pool_run(m->pool, attention, &job);
  /* Output projection: the heads side by side, back to dim. */
  rc |= lrtk_linear_forward(m->pool, &w->wo, s->xb2, n, s->xb);
  /* Residual: the layer adds to the stream instead of replacing it. */
  for (int i = 0; i < n * dim; i++) s->x[i] += s->xb[i];

  /* FFN norm: RMSNorm again, with the layer's second weight. */
  for (int t = 0; t < n; t++)
    rmsnorm(s->xb + t * dim, s->x + t * dim, w->ffn_norm, dim, c->norm_eps);
  /* SwiGLU: gate and up in one stacked kernel call, SiLU(gate) * up (inside the call in
   * decoding, see swiglu_rows), then down to dim. */
  rc |= lrtk_linear_forward_pairs(m->pool, &w->w_gate_up, s->xb, n, s->hb, swiglu_rows, m);
  rc |= lrtk_linear_forward(m->pool, &w->w_down, s->hb2, n, s->xb);
  /* Residual again: the stream carries the layer's output to the next layer. */
  for (int i = 0; i < n * dim; i++) s->x[i] += s->xb[i];
  return rc ? LRTK_MODEL_E_KERNEL : LRTK_MODEL_OK;
}

static lrtk_model_status forward_batch(lrtk_model *m, const int32_t *tokens, int n, int pos,
                                       float *logits, int all_logits) {
  const lrtk_config *c = &m->config;
  lrtk_run_state *s = &m->state;
  int dim = c->dim;
  for (int t = 0; t < n; t++) {
    lrtk_dense_row(&m->weights.embed, (size_t)tokens[t], dim, s->x + t * dim);
    rope_angles(s->rope + (size_t)t * c->head_dim, c->head_dim, pos + t, m->weights.inv_freq,
                c->rope_attn_scale);
  }
  for (int l = 0; l < c->n_layers; l++) {
    lrtk_model_status rc = forward_layer(m, l, n, pos);
    if (rc != LRTK_MODEL_OK) return rc;
  }
  if (logits == NULL) return LRTK_MODEL_OK;
  int first = all_logits ? 0 : n - 1;
  for (int t = first; t < n; t++)
    rmsnorm(s->xb + t * dim, s->x + t * dim, m->weights.final_norm, dim, c->norm_eps);
  if (lrtk_linear_forward(m->pool, &m->weights.lm_head, s->xb + first * dim, n - first, logits))
    return LRTK_MODEL_E_KERNEL;
  return LRTK_MODEL_OK;
}

lrtk_model_status lrtk_model_forward(lrtk_model *m, const int32_t *tokens, int n, int pos,
                                     float *logits, int all_logits) {
  if (n <= 0 || pos < 0 || pos + n > m->config.max_seq_len) return LRTK_MODEL_E_CONTEXT;
  for (int t = 0; t < n; t++)
    if (tokens[t] < 0 || tokens[t] >= m->config.vocab_size) return LRTK_MODEL_E_TOKEN;
  for (int done = 0; done < n; done += LRTK_MAX_BATCH) {
    int b = n - done < LRTK_MAX_BATCH ? n - done : LRTK_MAX_BATCH;
    /* Without all_logits only the last chunk runs the output head. */
    float *out = all_logits ? logits + (size_t)done * m->config.vocab_size
                 : done + b == n ? logits : NULL;
    lrtk_model_status rc = forward_batch(m, tokens + done, b, pos + done, out, all_logits);
    if (rc != LRTK_MODEL_OK) return rc;
  }
  return LRTK_MODEL_OK;
}

const char *lrtk_model_strerror(int status) {
  switch (status) {
    case LRTK_MODEL_OK: return "ok";
    case LRTK_MODEL_E_CONTEXT: return "the tokens do not fit the context";
    case LRTK_MODEL_E_KERNEL: return "a matrix kernel failed";
    case LRTK_MODEL_E_TOKEN: return "token id outside the vocabulary";
    case LRTK_MODEL_E_FILE: return "the model file cannot be read or is malformed";
    case LRTK_MODEL_E_NOMEM: return "out of memory";
    default: return "unknown lrtk_model_status";
  }
}

static lrtk_model_status alloc_state(lrtk_run_state *s, const lrtk_config *c) {
  size_t B = LRTK_MAX_BATCH, q_dim = (size_t)c->n_heads * c->head_dim;
  size_t kv = (size_t)c->n_layers * c->max_seq_len * c->n_kv_heads * c->head_dim;
  size_t wide = q_dim > (size_t)c->dim ? q_dim : (size_t)c->dim;
  s->x = calloc(B * c->dim, sizeof(float));
  s->xb = calloc(B * wide, sizeof(float));
  s->xb2 = calloc(B * wide, sizeof(float));
  s->qkv = calloc(B * (q_dim + 2 * (size_t)c->n_kv_heads * c->head_dim), sizeof(float));
  s->q = calloc(B * q_dim, sizeof(float));
  s->hb = calloc(B * 2 * (size_t)c->hidden_dim, sizeof(float));
  s->hb2 = calloc(B * c->hidden_dim, sizeof(float));
  s->att = calloc(B * c->n_heads * (size_t)c->max_seq_len, sizeof(float));
  s->rope = calloc(B * c->head_dim, sizeof(float));
  s->key_cache = calloc(kv, sizeof(float));
  s->value_cache = calloc(kv, sizeof(float));
  return s->x && s->xb && s->xb2 && s->qkv && s->q && s->hb && s->hb2 && s->att && s->rope &&
                 s->key_cache && s->value_cache
             ? LRTK_MODEL_OK
             : LRTK_MODEL_E_NOMEM;
}

static void free_state(lrtk_run_state *s) {
  free(s->x);
  free(s->xb);
  free(s->xb2);
  free(s->qkv);
  free(s->q);
  free(s->hb);
  free(s->hb2);
  free(s->att);
  free(s->rope);
  free(s->key_cache);
  free(s->value_cache);
}

lrtk_model *lrtk_model_open(const char *path, int n_threads, int ctx_len, int flags, char *err,
                            size_t err_len) {
  lrtk_model *m = calloc(1, sizeof(*m));
  if (m == NULL) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  if (lrtk_file_map(&m->file, path, flags, err, err_len) != LRTK_MODEL_OK) {
    free(m);
    return NULL;
  }
  m->config = m->file.header->config;
  if (lrtk_weights_load(&m->weights, &m->file, &m->config, err, err_len) != LRTK_MODEL_OK) {
    lrtk_file_unmap(&m->file);
    free(m);
    return NULL;
  }
  if (ctx_len > 0 && ctx_len < m->config.max_seq_len) m->config.max_seq_len = ctx_len;
  m->pool = lrtk_pool_create(n_threads > 0 ? n_threads : 1);
  if (m->pool == NULL || alloc_state(&m->state, &m->config) != LRTK_MODEL_OK) {
    snprintf(err, err_len, "out of memory for a context of %d tokens", m->config.max_seq_len);
    lrtk_model_close(m);
    return NULL;
  }
  return m;
}

void lrtk_model_close(lrtk_model *m) {
  if (m == NULL) return;
  free_state(&m->state);
  if (m->pool) lrtk_pool_free(m->pool);
  lrtk_weights_free(&m->weights);
  lrtk_file_unmap(&m->file);
  free(m);
}

const lrtk_config *lrtk_model_config(const lrtk_model *m) { return &m->config; }
