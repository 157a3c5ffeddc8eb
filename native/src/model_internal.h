#ifndef LRTK_MODEL_INTERNAL_H
#define LRTK_MODEL_INTERNAL_H
/* Structs shared by the runtime's C files; one struct per concept, as in llama2.c. */
#include "lrtk_model.h"
#include "lrtk_tmac.h"

/* The loaded file and its tensor table. */
typedef struct {
  const uint8_t *data;
  size_t size;
  void *map_base; /* what to munmap: the file mapping, or the memory it was read into */
  size_t map_bytes;
  const lrtk_file_header *header;
  const lrtk_tensor_entry *tensors;
} lrtk_model_file;

/* A vector or matrix in f32 or f16, as stored in the file. */
typedef struct {
  int dtype; /* LRTK_DT_F32 or LRTK_DT_F16 */
  const void *data;
} lrtk_dense;

/* y = x W^T (+ bias) for a weight that is dense or packed for the T-MAC kernels. */
typedef struct {
  int m, k;
  int quantized;
  lrtk_dense dense;   /* when !quantized */
  lrtk_tmac_matrix q; /* when quantized */
  const float *bias;  /* NULL when the layer has none */
} lrtk_linear;

typedef struct {
  const float *attn_norm, *ffn_norm;
  lrtk_linear wqkv, wo;       /* q, k and v projections stacked: one kernel call */
  lrtk_linear w_gate_up, w_down; /* gate and up stacked */
  int window; /* sliding-window attention span in tokens, 0 for full attention */
} lrtk_layer;

typedef struct {
  lrtk_dense embed;     /* vocab_size x dim */
  lrtk_layer *layers;
  const float *final_norm;
  lrtk_linear lm_head;  /* the embedding matrix when the model ties them */
  const float *inv_freq; /* head_dim/2 RoPE frequencies, scaling already applied */
} lrtk_weights;

/* Activations for up to LRTK_MAX_BATCH tokens, and the KV cache. */
typedef struct {
  float *x, *xb, *xb2;  /* [batch][dim] residual stream and scratch */
  float *qkv;           /* [batch][q_dim + 2*kv_dim] */
  float *q;             /* [batch][q_dim], q_dim = n_heads*head_dim */
  float *hb;            /* [batch][2*hidden_dim] gate and up */
  float *hb2;           /* [batch][hidden_dim] */
  float *att;           /* [batch][n_heads][max_seq_len] attention scores */
  float *rope;          /* [batch][head_dim] each token's RoPE cosines, then sines */
  float *key_cache, *value_cache; /* [layer][max_seq_len][kv_dim] */
} lrtk_run_state;

struct lrtk_model {
  lrtk_model_file file;
  lrtk_config config;
  lrtk_weights weights;
  lrtk_run_state state;
  lrtk_pool *pool;
};

/* model_file.c and model_load.c: LRTK_MODEL_OK, or a failure with its one-line reason in err. */
lrtk_model_status lrtk_file_map(lrtk_model_file *f, const char *path, int flags, char *err,
                                size_t err_len);
void lrtk_file_unmap(lrtk_model_file *f);
const lrtk_tensor_entry *lrtk_file_find(const lrtk_model_file *f, const char *name);

lrtk_model_status lrtk_weights_load(lrtk_weights *w, const lrtk_model_file *f,
                                    const lrtk_config *c, char *err, size_t err_len);
void lrtk_weights_free(lrtk_weights *w);

/* linear.c */
void lrtk_dense_row(const lrtk_dense *d, size_t row, int cols, float *out);
int lrtk_linear_forward(lrtk_pool *pool, const lrtk_linear *l, const float *x, int n, float *y);

#endif
