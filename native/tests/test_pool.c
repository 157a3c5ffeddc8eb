/* The pool runs every job on every thread exactly once, with the right indices, many times in
 * a row (the spin-then-sleep handshake must never lose or repeat a job). */
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "lrtk_tmac.h"

typedef struct {
  atomic_int calls[8];
  atomic_int bad_nt;
} counts;

static void count_call(void *ctx, int ti, int nt) {
  counts *c = ctx;
  atomic_fetch_add(&c->calls[ti], 1);
  if (nt != 4) atomic_fetch_add(&c->bad_nt, 1);
}

int main(void) {
  int failures = 0;
  lrtk_pool *pool = lrtk_pool_create(4);
  if (!pool || lrtk_pool_threads(pool) != 4) return 1;
  counts c = {0};
  const int rounds = 500;
  for (int i = 0; i < rounds; i++) {
    lrtk_pool_run(pool, count_call, &c);
    if (i == rounds / 2) usleep(20000); /* let the workers fall asleep once */
  }
  for (int t = 0; t < 4; t++) {
    if (atomic_load(&c.calls[t]) != rounds) {
      fprintf(stderr, "FAIL thread %d ran %d of %d jobs\n", t, atomic_load(&c.calls[t]), rounds);
      failures++;
    }
  }
  if (atomic_load(&c.bad_nt)) failures++, fprintf(stderr, "FAIL wrong thread count\n");
  lrtk_pool_free(pool);

  lrtk_pool *single = lrtk_pool_create(1);
  if (!single || lrtk_pool_threads(single) != 1) failures++, fprintf(stderr, "FAIL pool of 1\n");
  lrtk_pool_free(single);
  lrtk_pool *automatic = lrtk_pool_create(0);
  if (!automatic || lrtk_pool_threads(automatic) < 1) failures++, fprintf(stderr, "FAIL pool of 0\n");
  lrtk_pool_free(automatic);
  printf("pool: %d rounds on 4 threads\n", rounds);
  return failures ? 1 : 0;
}
