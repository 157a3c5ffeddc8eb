/* Next-token sampling: greedy, or temperature with optional top-k and top-p (nucleus)
 * filtering, from a seeded generator so that a seed reproduces a generation. */
#include <math.h>
#include <stdlib.h>

#include "lrtk_model.h"

typedef struct {
  float prob;
  int index;
} prob_index;

struct lrtk_sampler {
  int vocab_size;
  float temperature, top_p;
  int top_k;
  uint64_t rng;
  prob_index *cand; /* scratch: vocab_size candidates */
};

const char *lrtk_sampler_invalid(float temperature, int top_k, float top_p) {
  /* Written so that NaN fails each test. */
  if (!(temperature >= 0.0f) || isinf(temperature))
    return "temperature must be a finite number >= 0 (0: greedy)";
  if (top_k < 0) return "top-k must be >= 0 (0: off)";
  if (!(top_p > 0.0f && top_p <= 1.0f)) return "top-p must be in (0, 1] (1: off)";
  return NULL;
}

lrtk_sampler *lrtk_sampler_create(int vocab_size, float temperature, int top_k, float top_p,
                                  uint64_t seed) {
  if (vocab_size <= 0 || lrtk_sampler_invalid(temperature, top_k, top_p)) return NULL;
  lrtk_sampler *s = calloc(1, sizeof(*s));
  if (s == NULL) return NULL;
  s->cand = malloc((size_t)vocab_size * sizeof(prob_index));
  if (s->cand == NULL) {
    free(s);
    return NULL;
  }
  s->vocab_size = vocab_size;
  s->temperature = temperature;
  s->top_k = top_k;
  s->top_p = top_p;
  s->rng = seed ? seed : 0x9e3779b97f4a7c15ull; /* xorshift must not start at zero */
  return s;
}

void lrtk_sampler_free(lrtk_sampler *s) {
  if (s == NULL) return;
  free(s->cand);
  free(s);
}

/* xorshift64*: a uniform float in [0, 1). */
static float next_uniform(lrtk_sampler *s) {
  s->rng ^= s->rng >> 12;
  s->rng ^= s->rng << 25;
  s->rng ^= s->rng >> 27;
  return (float)((s->rng * 0x2545F4914F6CDD1Dull) >> 40) / 16777216.0f;
}

static int by_prob_desc(const void *a, const void *b) {
  float pa = ((const prob_index *)a)->prob, pb = ((const prob_index *)b)->prob;
  return (pa < pb) - (pa > pb);
}

static int argmax(const float *v, int n) {
  int best = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

int lrtk_sampler_sample(lrtk_sampler *s, const float *logits) {
  int n = s->vocab_size;
  if (s->temperature <= 0.0f) return argmax(logits, n);
  float max = logits[argmax(logits, n)], sum = 0.0f;
  for (int i = 0; i < n; i++) {
    s->cand[i].prob = expf((logits[i] - max) / s->temperature);
    s->cand[i].index = i;
    sum += s->cand[i].prob;
  }
  int kept = n;
  if ((s->top_k > 0 && s->top_k < n) || s->top_p < 1.0f) {
    /* Sorting the whole vocabulary per token is slow; tokens this unlikely can never be in
     * the top-p set (or matter for top-k), so drop them first. */
    float floor = s->top_p < 1.0f ? (1.0f - s->top_p) / (float)(n - 1) * sum : 0.0f;
    kept = 0;
    for (int i = 0; i < n; i++)
      if (s->cand[i].prob >= floor) s->cand[kept++] = s->cand[i];
    qsort(s->cand, (size_t)kept, sizeof(prob_index), by_prob_desc);
    if (s->top_k > 0 && s->top_k < kept) kept = s->top_k;
    float total = 0.0f;
    for (int i = 0; i < kept; i++) total += s->cand[i].prob;
    if (s->top_p < 1.0f) {
      float cum = 0.0f;
      for (int i = 0; i < kept; i++) {
        cum += s->cand[i].prob;
        if (cum >= s->top_p * total) {
          kept = i + 1;
          break;
        }
      }
    }
    sum = 0.0f;
    for (int i = 0; i < kept; i++) sum += s->cand[i].prob;
  }
  float r = next_uniform(s) * sum, cum = 0.0f;
  for (int i = 0; i < kept; i++) {
    cum += s->cand[i].prob;
    if (r < cum) return s->cand[i].index;
  }
  return s->cand[kept - 1].index;
}
