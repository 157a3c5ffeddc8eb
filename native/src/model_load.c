/* Points the weights struct into the mapped file, checking each tensor's type and shape. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* What every helper below needs. They fail only with LRTK_MODEL_E_FILE, the reason in err
 * (running out of memory is checked where the one allocation is). */
typedef struct {
  const lrtk_model_file *f;
  char *err;
  size_t err_len;
} loader;

static const lrtk_tensor_entry *find_shaped(loader *L, const char *name, int64_t rows,
                                            int64_t cols) {
  const lrtk_tensor_entry *t = lrtk_file_find(L->f, name);
  if (t == NULL) {
    snprintf(L->err, L->err_len, "corrupt model file: tensor %s is missing", name);
    return NULL;
  }
  if (t->rows != rows || t->cols != cols) {
    snprintf(L->err, L->err_len, "corrupt model file: tensor %s has shape %lldx%lld, expected %lldx%lld",
             name, (long long)t->rows, (long long)t->cols, (long long)rows, (long long)cols);
    return NULL;
  }
  return t;
}

static lrtk_model_status bad_size(loader *L, const lrtk_tensor_entry *t) {
  snprintf(L->err, L->err_len, "corrupt model file: tensor %s has %llu bytes, not what its type and shape need",
           t->name, (unsigned long long)t->nbytes);
  return LRTK_MODEL_E_FILE;
}

static lrtk_model_status load_dense(loader *L, const char *name, int64_t rows, int64_t cols,
                                    lrtk_dense *out) {
  const lrtk_tensor_entry *t = find_shaped(L, name, rows, cols);
  if (t == NULL) return LRTK_MODEL_E_FILE;
  size_t elem = t->dtype == LRTK_DT_F32 ? 4 : t->dtype == LRTK_DT_F16 ? 2 : 0;
  if (elem == 0) {
    snprintf(L->err, L->err_len, "corrupt model file: tensor %s has dtype %u, expected f32 or f16",
             name, t->dtype);
    return LRTK_MODEL_E_FILE;
  }
  if (t->nbytes != (uint64_t)(rows * cols) * elem) return bad_size(L, t);
  out->dtype = (int)t->dtype;
  out->data = L->f->data + t->offset;
  return LRTK_MODEL_OK;
}

/* A vector of n elements of `dtype` (f32: norm weights, biases, RoPE frequencies; f16: the
 * scales of low-bit weights). */
static const void *load_vector(loader *L, const char *name, int64_t n, uint32_t dtype) {
  const lrtk_tensor_entry *t = find_shaped(L, name, n, 1);
  if (t == NULL) return NULL;
  if (t->dtype != dtype || t->nbytes != (uint64_t)n * (dtype == LRTK_DT_F16 ? 2 : 4)) {
    bad_size(L, t);
    return NULL;
  }
  return L->f->data + t->offset;
}

static const float *load_f32(loader *L, const char *name, int64_t n) {
  return load_vector(L, name, n, LRTK_DT_F32);
}

static lrtk_model_status load_linear(loader *L, const char *name, int m, int k,
                                     lrtk_linear *out) {
  char sub[LRTK_NAME_LEN + 16];
  memset(out, 0, sizeof(*out));
  out->m = m;
  out->k = k;
  snprintf(sub, sizeof(sub), "%s.bias", name);
  if (lrtk_file_find(L->f, sub) != NULL && (out->bias = load_f32(L, sub, m)) == NULL)
    return LRTK_MODEL_E_FILE;
  const lrtk_tensor_entry *t = lrtk_file_find(L->f, name);
  if (t == NULL || t->dtype != LRTK_DT_TMAC) return load_dense(L, name, m, k, &out->dense);

  if (find_shaped(L, name, m, k) == NULL) return LRTK_MODEL_E_FILE;
  lrtk_tmac_matrix *q = &out->q;
  q->qtype = (int)t->qtype;
  q->m = m;
  q->k = k;
  q->group_size = (int)t->group_size;
  q->has_zeros = (int)t->has_zeros;
  size_t want = lrtk_tmac_packed_bytes(q->qtype, m, k, q->group_size);
  if (want == 0) {
    snprintf(L->err, L->err_len, "corrupt model file: tensor %s has unsupported qtype %d / group %d",
             name, q->qtype, q->group_size);
    return LRTK_MODEL_E_FILE;
  }
  if (t->nbytes != want) return bad_size(L, t);
  q->packed = L->f->data + t->offset;
  int64_t n_scales = (int64_t)lrtk_tmac_scale_count(q->qtype, m, k, q->group_size);
  snprintf(sub, sizeof(sub), "%s.scales", name);
  if ((q->scales = load_vector(L, sub, n_scales, LRTK_DT_F16)) == NULL) return LRTK_MODEL_E_FILE;
  if (q->has_zeros) {
    snprintf(sub, sizeof(sub), "%s.zeros", name);
    if ((q->zeros = load_vector(L, sub, n_scales, LRTK_DT_F16)) == NULL) return LRTK_MODEL_E_FILE;
  }
  out->quantized = 1;
  return LRTK_MODEL_OK;
}

static lrtk_model_status load_layer(loader *L, const lrtk_config *c, int i, lrtk_layer *l) {
  char name[LRTK_NAME_LEN];
  int q_dim = c->n_heads * c->head_dim, kv_dim = c->n_kv_heads * c->head_dim;
#define NAME(suffix) (snprintf(name, sizeof(name), "model.layers.%d.%s", i, suffix), name)
  if ((l->attn_norm = load_f32(L, NAME("input_layernorm.weight"), c->dim)) == NULL)
    return LRTK_MODEL_E_FILE;
  if ((l->ffn_norm = load_f32(L, NAME("post_attention_layernorm.weight"), c->dim)) == NULL)
    return LRTK_MODEL_E_FILE;
  if (load_linear(L, NAME("self_attn.qkv_proj.weight"), q_dim + 2 * kv_dim, c->dim, &l->wqkv) ||
      load_linear(L, NAME("self_attn.o_proj.weight"), c->dim, q_dim, &l->wo) ||
      load_linear(L, NAME("mlp.gate_up_proj.weight"), 2 * c->hidden_dim, c->dim, &l->w_gate_up) ||
      load_linear(L, NAME("mlp.down_proj.weight"), c->dim, c->hidden_dim, &l->w_down))
    return LRTK_MODEL_E_FILE;
#undef NAME
  return LRTK_MODEL_OK;
}

/* The header's numbers must be sane before any size is derived from them: positive
 * dimensions, consistent heads, token ids inside the vocabulary, and every size the loader and
 * the run state compute from them within an int. (Each shape is then checked against a tensor
 * whose bytes the file holds.) The message names the field and its value as stored. */
static lrtk_model_status check_config(loader *L, const lrtk_config *c) {
  const struct {
    const char *name;
    int32_t value;
  } dims[] = {{"dim", c->dim},
              {"hidden_dim", c->hidden_dim},
              {"n_layers", c->n_layers},
              {"n_heads", c->n_heads},
              {"n_kv_heads", c->n_kv_heads},
              {"head_dim", c->head_dim},
              {"vocab_size", c->vocab_size},
              {"max_seq_len", c->max_seq_len}};
  const char *what = "corrupt model file: header field";
  for (size_t i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
    if (dims[i].value <= 0) {
      snprintf(L->err, L->err_len, "%s %s is %d, not a positive number", what, dims[i].name,
               (int)dims[i].value);
      return LRTK_MODEL_E_FILE;
    }
  if (c->n_heads % c->n_kv_heads != 0 || c->head_dim % 2 != 0) {
    snprintf(L->err, L->err_len,
             "%s n_heads %d is not a multiple of n_kv_heads %d, or head_dim %d is odd", what,
             (int)c->n_heads, (int)c->n_kv_heads, (int)c->head_dim);
    return LRTK_MODEL_E_FILE;
  }
  int64_t qkv_rows = ((int64_t)c->n_heads + 2 * (int64_t)c->n_kv_heads) * c->head_dim;
  if (qkv_rows > INT32_MAX || 2 * (int64_t)c->hidden_dim > INT32_MAX) {
    snprintf(L->err, L->err_len, "%s n_heads %d x head_dim %d or hidden_dim %d is too large",
             what, (int)c->n_heads, (int)c->head_dim, (int)c->hidden_dim);
    return LRTK_MODEL_E_FILE;
  }
  if (c->bos_id < -1 || c->bos_id >= c->vocab_size || c->eos_id < -1 ||
      c->eos_id >= c->vocab_size) {
    snprintf(L->err, L->err_len, "%s bos_id %d or eos_id %d is outside the vocabulary of %d",
             what, (int)c->bos_id, (int)c->eos_id, (int)c->vocab_size);
    return LRTK_MODEL_E_FILE;
  }
  if (!(c->norm_eps > 0 && c->norm_eps <= FLT_MAX) ||
      !(c->rope_attn_scale > 0 && c->rope_attn_scale <= FLT_MAX)) { /* NaN fails both */
    snprintf(L->err, L->err_len, "%s norm_eps %g or rope_attn_scale %g is not a positive number",
             what, (double)c->norm_eps, (double)c->rope_attn_scale);
    return LRTK_MODEL_E_FILE;
  }
  return LRTK_MODEL_OK;
}

lrtk_model_status lrtk_weights_load(lrtk_weights *w, const lrtk_model_file *f,
                                    const lrtk_config *c, char *err, size_t err_len) {
  loader L = {f, err, err_len};
  memset(w, 0, sizeof(*w));
  if (check_config(&L, c)) return LRTK_MODEL_E_FILE;
  if (load_dense(&L, "model.embed_tokens.weight", c->vocab_size, c->dim, &w->embed))
    return LRTK_MODEL_E_FILE;
  if ((w->final_norm = load_f32(&L, "model.norm.weight", c->dim)) == NULL) return LRTK_MODEL_E_FILE;
  if ((w->inv_freq = load_f32(&L, "rope.inv_freq", c->head_dim / 2)) == NULL)
    return LRTK_MODEL_E_FILE;
  const lrtk_tensor_entry *windows = find_shaped(&L, "layer_window", c->n_layers, 1);
  if (windows == NULL) return LRTK_MODEL_E_FILE;
  if (windows->dtype != LRTK_DT_I32 || windows->nbytes != (uint64_t)c->n_layers * 4)
    return bad_size(&L, windows);
  if (lrtk_file_find(f, "lm_head.weight") != NULL) {
    if (load_linear(&L, "lm_head.weight", c->vocab_size, c->dim, &w->lm_head))
      return LRTK_MODEL_E_FILE;
  } else { /* tied embeddings */
    w->lm_head.m = c->vocab_size;
    w->lm_head.k = c->dim;
    w->lm_head.dense = w->embed;
  }
  w->layers = calloc((size_t)c->n_layers, sizeof(lrtk_layer));
  if (w->layers == NULL) {
    snprintf(err, err_len, "out of memory");
    return LRTK_MODEL_E_NOMEM;
  }
  const int32_t *win = (const int32_t *)(f->data + windows->offset);
  for (int i = 0; i < c->n_layers; i++) {
    if (load_layer(&L, c, i, &w->layers[i])) {
      lrtk_weights_free(w);
      return LRTK_MODEL_E_FILE;
    }
    w->layers[i].window = win[i];
  }
  return LRTK_MODEL_OK;
}

void lrtk_weights_free(lrtk_weights *w) {
  free(w->layers);
  w->layers = NULL;
}
