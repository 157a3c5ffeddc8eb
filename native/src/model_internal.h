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
  lrtk_linear w_gate_up, w_down; /* gate and up stacked in pairs of blocks (LRTK_GATE_UP_BLOCK) */
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
  float *hb;            /* [batch][2*hidden_dim] gate and up, in w_gate_up's row order */
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

/* A gated FFN's gate and up are stacked in alternating blocks of LRTK_GATE_UP_BLOCK rows
 * (lrtk_model.h): gate rows 0-63, up rows 0-63, gate rows 64-127, ..., the last block of each
 * shorter where hidden_dim is not a multiple. A pair of blocks is a pair of kernel tiles. */
_Static_assert(LRTK_GATE_UP_BLOCK == LRTK_TMAC_TILE_ROWS, "a gate/up block must be one tile");

/* y = x W^T for a weight stacked in such pairs of blocks, then join(ctx, t, row0, rows) for
 * every token t and pair (row0: the pair's first row within either half; rows: its block
 * length): inside the GEMV, on the thread that computed the pair, for one token of quantized
 * weights whose pairs are whole tiles (lrtk_tmac_gemv_pairs); otherwise after it. */
typedef void (*lrtk_pair_join)(void *ctx, int token, int row0, int rows);
int lrtk_linear_forward_pairs(lrtk_pool *pool, const lrtk_linear *l, const float *x, int n,
                              float *y, lrtk_pair_join join, void *ctx);

#endif
