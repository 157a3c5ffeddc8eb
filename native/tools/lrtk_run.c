/*
 * lrtk-run: generation without Python, for devices that have only the C toolchain, and the
 * harness of the cross-architecture tests (the same token ids must come out of every kernel).
 * Tokenization stays in Python, so prompts and outputs are token ids:
 *   lrtk-run MODEL [-i "1 42 7"] [-n 32] [-t threads] [-k auto|scalar|avx2|avx512|neon]
 *            [-T temperature] [-K top_k] [-P top_p] [-s seed] [-m 0|1]
 * (-m 1 memory-maps the model instead of reading it into memory; see lrtk_model_open)
 * prints the generated ids, space separated, as they are produced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lrtk_model.h"
#include "lrtk_tmac.h"

static int usage(void) {
  fprintf(stderr, "usage: lrtk-run MODEL [-i \"ids\"] [-n steps] [-t threads] "
                  "[-k auto|scalar|avx2|avx512|neon] [-T temp] [-K top_k] [-P top_p] [-s seed] [-m 0|1]\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *path = argv[1], *ids = "", *kernel = "auto";
  int steps = 32, threads = 1, top_k = 0, mmap = 0;
  float temperature = 0.0f, top_p = 1.0f;
  unsigned long long seed = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    char opt = argv[i][0] == '-' ? argv[i][1] : '?';
    const char *v = argv[i + 1];
    switch (opt) {
      case 'i': ids = v; break;
      case 'n': steps = atoi(v); break;
      case 't': threads = atoi(v); break;
      case 'k': kernel = v; break;
      case 'T': temperature = strtof(v, NULL); break;
      case 'K': top_k = atoi(v); break;
      case 'P': top_p = strtof(v, NULL); break;
      case 's': seed = strtoull(v, NULL, 10); break;
      case 'm': mmap = atoi(v) != 0; break;
      default: return usage();
    }
  }
  const char *bad = lrtk_sampler_invalid(temperature, top_k, top_p);
  if (bad) {
    fprintf(stderr, "lrtk-run: %s\n", bad);
    return 2;
  }
  int kid = lrtk_tmac_kernel_id(kernel);
  if (kid < 0 || lrtk_tmac_set_kernel(kid) != 0) {
    fprintf(stderr, "lrtk-run: kernel %s is not available here\n", kernel);
    return 2;
  }
  if (lrtk_tmac_get_kernel() < 0) { /* -k auto under a bad $LRTK_KERNEL */
    fprintf(stderr, "lrtk-run: %s\n", lrtk_tmac_strerror(lrtk_tmac_get_kernel()));
    return 2;
  }
  /* More threads than cores only contend (a pool of thousands takes minutes to start and
   * barriers on every step): use the cores, as lrtk run does. */
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (cores > 0 && threads > cores) {
    fprintf(stderr, "lrtk-run: note: -t %d is more than the %ld cores here; using %ld\n", threads,
            cores, cores);
    threads = (int)cores;
  }
  char err[256];
  lrtk_model *model = lrtk_model_open(path, threads, 0, mmap ? LRTK_OPEN_MMAP : 0, err, sizeof(err));
  if (model == NULL) {
    fprintf(stderr, "lrtk-run: %s: %s\n", path, err);
    return 1;
  }
  const lrtk_config *c = lrtk_model_config(model);
  int cap = c->max_seq_len, n = 0;
  int32_t *tokens = malloc((size_t)cap * sizeof(int32_t));
  float *logits = malloc((size_t)c->vocab_size * sizeof(float));
  lrtk_sampler *sampler = lrtk_sampler_create(c->vocab_size, temperature, top_k, top_p, seed);
  if (!tokens || !logits || !sampler) {
    fprintf(stderr, "lrtk-run: out of memory\n");
    return 1;
  }
  /* Every id is counted, so a prompt longer than the context is an error, not cut short. */
  for (char *end, *p = (char *)ids;; p = end, n++) {
    long v = strtol(p, &end, 10);
    if (end == p) break;
    if (n < cap) tokens[n] = (int32_t)v;
  }
  if (n == 0 && c->bos_id >= 0) tokens[n++] = c->bos_id;
  lrtk_model_status rc = LRTK_MODEL_E_CONTEXT;
  if (n > cap) {
    fprintf(stderr, "lrtk-run: prompt longer than the context (%d ids, context %d)\n", n, cap);
  } else if (n == 0) {
    fprintf(stderr, "lrtk-run: no prompt ids and the model has no BOS token (give -i)\n");
  } else {
    rc = lrtk_model_forward(model, tokens, n, 0, logits, 0);
    int made = 0;
    for (int pos = n; rc == LRTK_MODEL_OK && made < steps && pos < cap; made++, pos++) {
      int32_t next = lrtk_sampler_sample(sampler, logits);
      printf(made ? " %d" : "%d", next);
      fflush(stdout);
      if (made + 1 < steps) rc = lrtk_model_forward(model, &next, 1, pos, logits, 0);
    }
    if (rc == LRTK_MODEL_OK || made) printf("\n"); /* a failed prompt prints nothing */
    if (rc != LRTK_MODEL_OK) fprintf(stderr, "lrtk-run: %s\n", lrtk_model_strerror(rc));
  }
  lrtk_sampler_free(sampler);
  free(logits);
  free(tokens);
  lrtk_model_close(model);
  return rc == LRTK_MODEL_OK ? 0 : 1;
}
