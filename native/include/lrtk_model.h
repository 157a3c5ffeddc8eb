#ifndef LRTK_MODEL_H
#define LRTK_MODEL_H
/*
 * The on-device runtime for Llama-family decoders (Llama, Mistral, Qwen2): a model file read
 * into memory or memory-mapped, the forward pass with a KV cache, and token sampling.
 * Tokenization is not done here; the tokenizer travels inside the file as a blob
 * (lrtk_model_blob) for the caller.
 *
 * File layout (little endian), written by lrtk/io/model_file.py:
 *   lrtk_file_header                 magic, version, tensor count, config
 *   lrtk_tensor_entry[n_tensors]     name, dtype, shape, offset and size of its data
 *   data                             every tensor starts at a multiple of 64 bytes
 * Weights use the Hugging Face names ("model.layers.0.self_attn.o_proj.weight"), except that
 * q, k and v are stacked into "self_attn.qkv_proj" and gate and up into "mlp.gate_up_proj"
 * (rows in that order) so each takes one kernel call and one activation table. A low-bit
 * weight is one LRTK_DT_TMAC entry (packed bits, qtype and group size in the entry) plus
 * "<name>.scales" and, with zero points, "<name>.zeros" (f16 in lrtk_tmac_pack's order).
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LRTK_MAGIC "LRTKMODL"
#define LRTK_FILE_VERSION 4 /* 3: half scales for low-bit weights; 4: gate and up in blocks */
#define LRTK_ALIGN 64
#define LRTK_NAME_LEN 64
/* mlp.gate_up_proj stacks gate and up in alternating blocks of this many rows (docs/formats.md),
 * one kernel tile each, so that decoding joins them on the thread that computed them. */
#define LRTK_GATE_UP_BLOCK 64
/* Tokens per forward step: the largest n lrtk_int8_gemm takes (the tables take 16 at a time),
 * so that a long prompt reads the weights once per 64 tokens. */
#define LRTK_MAX_BATCH 64

enum { LRTK_DT_F32 = 0, LRTK_DT_F16 = 1, LRTK_DT_I32 = 2, LRTK_DT_U8 = 3, LRTK_DT_TMAC = 4 };

/* Model dimensions; every field is 4 bytes so the struct is its own on-disk form. */
typedef struct {
  int32_t dim;          /* hidden size */
  int32_t hidden_dim;   /* SwiGLU intermediate size */
  int32_t n_layers;
  int32_t n_heads;
  int32_t n_kv_heads;   /* grouped-query attention: n_heads is a multiple of it */
  int32_t head_dim;
  int32_t vocab_size;
  int32_t max_seq_len;  /* KV cache length */
  int32_t bos_id;       /* -1 when the model has none */
  int32_t eos_id;
  float norm_eps;
  float rope_attn_scale; /* multiplies cos and sin (1 except for YaRN) */
  int32_t reserved[4];
} lrtk_config;

typedef struct {
  char magic[8];
  uint32_t version;
  uint32_t n_tensors;
  lrtk_config config;
} lrtk_file_header;

typedef struct {
  char name[LRTK_NAME_LEN]; /* NUL-terminated */
  uint32_t dtype;
  uint32_t qtype;           /* lrtk_qtype for LRTK_DT_TMAC, else 0 */
  uint32_t group_size;
  uint32_t has_zeros;
  int64_t rows, cols;       /* cols is 1 for vectors; for blobs rows is the byte count */
  uint64_t offset, nbytes;  /* from the start of the file */
  uint8_t reserved[16];
} lrtk_tensor_entry;

/* The layout is the file format, mirrored by lrtk/io/model_file.py (struct formats
 * "<8sII" + config "<10i2f4i", entry "<64s4I2q2Q16x"): the compiler checks it on every
 * architecture the runtime is built for, and tests/test_native_abi.py reads these lines to
 * check model_file.py against them. One assert per field, so a moved field cannot go unnoticed. */
#ifdef __cplusplus
#define LRTK_STATIC_ASSERT static_assert /* C11's _Static_assert under its C++ name */
#else
#define LRTK_STATIC_ASSERT _Static_assert
#endif
#define LRTK_SIZE(type, n) \
  LRTK_STATIC_ASSERT(sizeof(type) == (n), #type ": keep in step with lrtk/io/model_file.py")
#define LRTK_OFFSET(type, field, n)                  \
  LRTK_STATIC_ASSERT(offsetof(type, field) == (n), \
                     #type "." #field ": keep in step with lrtk/io/model_file.py")
LRTK_SIZE(lrtk_config, 64);
LRTK_OFFSET(lrtk_config, dim, 0);
LRTK_OFFSET(lrtk_config, hidden_dim, 4);
LRTK_OFFSET(lrtk_config, n_layers, 8);
LRTK_OFFSET(lrtk_config, n_heads, 12);
LRTK_OFFSET(lrtk_config, n_kv_heads, 16);
LRTK_OFFSET(lrtk_config, head_dim, 20);
LRTK_OFFSET(lrtk_config, vocab_size, 24);
LRTK_OFFSET(lrtk_config, max_seq_len, 28);
LRTK_OFFSET(lrtk_config, bos_id, 32);
LRTK_OFFSET(lrtk_config, eos_id, 36);
LRTK_OFFSET(lrtk_config, norm_eps, 40);
LRTK_OFFSET(lrtk_config, rope_attn_scale, 44);
LRTK_OFFSET(lrtk_config, reserved, 48);
LRTK_SIZE(lrtk_file_header, 80);
LRTK_OFFSET(lrtk_file_header, magic, 0);
LRTK_OFFSET(lrtk_file_header, version, 8);
LRTK_OFFSET(lrtk_file_header, n_tensors, 12);
LRTK_OFFSET(lrtk_file_header, config, 16);
LRTK_SIZE(lrtk_tensor_entry, 128);
LRTK_OFFSET(lrtk_tensor_entry, name, 0);
LRTK_OFFSET(lrtk_tensor_entry, dtype, 64);
LRTK_OFFSET(lrtk_tensor_entry, qtype, 68);
LRTK_OFFSET(lrtk_tensor_entry, group_size, 72);
LRTK_OFFSET(lrtk_tensor_entry, has_zeros, 76);
LRTK_OFFSET(lrtk_tensor_entry, rows, 80);
LRTK_OFFSET(lrtk_tensor_entry, cols, 88);
LRTK_OFFSET(lrtk_tensor_entry, offset, 96);
LRTK_OFFSET(lrtk_tensor_entry, nbytes, 104);
LRTK_OFFSET(lrtk_tensor_entry, reserved, 112);

/* What the model API returns: 0 or a negative code, which lrtk_model_strerror() names in one
 * line. A kernel's own lrtk_status (lrtk_tmac.h) surfaces here as LRTK_MODEL_E_KERNEL. The
 * values are mirrored by lrtk.runtime.binding.ModelStatus (tests/test_native_abi.py checks). */
typedef enum {
  LRTK_MODEL_OK = 0,
  LRTK_MODEL_E_CONTEXT = -1, /* n < 1, pos < 0, or pos + n beyond the context (max_seq_len) */
  LRTK_MODEL_E_KERNEL = -2,  /* a matrix kernel failed */
  LRTK_MODEL_E_TOKEN = -3,   /* a token id outside the vocabulary */
  LRTK_MODEL_E_FILE = -4,    /* the model file cannot be read or is malformed (see err) */
  LRTK_MODEL_E_NOMEM = -5,
} lrtk_model_status;

const char *lrtk_model_strerror(int status);

typedef struct lrtk_model lrtk_model;
typedef struct lrtk_sampler lrtk_sampler;

/* lrtk_model_open flags. By default the file is read into memory that asks the OS for
 * transparent huge pages (faster decoding: fewer TLB misses). LRTK_OPEN_MMAP maps the file
 * instead: it starts at once and shares the page cache, for devices short of memory. */
#define LRTK_OPEN_MMAP 1

/* Opens and checks the file; NULL with a one-line reason in err on failure. ctx_len > 0
 * caps the KV cache below the model's max_seq_len (its memory grows with it). */
lrtk_model *lrtk_model_open(const char *path, int n_threads, int ctx_len, int flags, char *err,
                            size_t err_len);
void lrtk_model_close(lrtk_model *model);
const lrtk_config *lrtk_model_config(const lrtk_model *model);
/* A named LRTK_DT_U8 blob (e.g. "tokenizer.json", "meta.json"), or NULL. */
const void *lrtk_model_blob(const lrtk_model *model, const char *name, size_t *nbytes);

/*
 * Runs tokens[0..n) at positions pos..pos+n-1, filling the KV cache. logits receives
 * vocab_size floats for every token when all_logits is 1 (perplexity), else only for the last.
 * Returns LRTK_MODEL_OK, LRTK_MODEL_E_CONTEXT (nothing run, cache untouched),
 * LRTK_MODEL_E_TOKEN (nothing run) or LRTK_MODEL_E_KERNEL.
 */
lrtk_model_status lrtk_model_forward(lrtk_model *model, const int32_t *tokens, int n, int pos,
                                     float *logits, int all_logits);

/* temperature 0 means greedy; top_k 0 and top_p 1 disable those filters. NULL for settings
 * lrtk_sampler_invalid rejects, or when memory runs out. */
lrtk_sampler *lrtk_sampler_create(int vocab_size, float temperature, int top_k, float top_p,
                                  uint64_t seed);
/* NULL when the settings are usable, else what is wrong with them (a static string): a finite
 * temperature >= 0, top_k >= 0, 0 < top_p <= 1. */
const char *lrtk_sampler_invalid(float temperature, int top_k, float top_p);
void lrtk_sampler_free(lrtk_sampler *sampler);
int lrtk_sampler_sample(lrtk_sampler *sampler, const float *logits);

#ifdef __cplusplus
}
#endif
#endif
