/* The pool runs every job once for every thread index, many times in a row (the
 * spin-yield-sleep handshake and the claiming of indexes must never lose or repeat one), and
 * a job whose indexes wait for each other still finishes. */
#include <sched.h>
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

/* Every index waits until all have arrived, as the batched GEMM's shared table build does:
 * with indexes claimed (the caller runs those no worker took), this must still finish. */
typedef struct {
  atomic_int arrived, rounds_done;
} barrier_job;

static void wait_for_all(void *ctx, int ti, int nt) {
  barrier_job *b = ctx;
  (void)ti;
  const int round = atomic_load(&b->rounds_done);
  atomic_fetch_add(&b->arrived, 1);
  while (atomic_load(&b->arrived) < nt * (round + 1)) sched_yield();
}

int main(void) {
  int failures = 0;
  lrtk_pool *pool = lrtk_pool_create(4);
  if (!pool || lrtk_pool_threads(pool) != 4) return 1;
  counts c = {0};
  const int rounds = 500;
  for (int i = 0; i < rounds; i++) {
    lrtk_pool_run(pool, count_call, &c);
    if (i == rounds / 4) usleep(300);   /* a gap the workers spend yielding (under 1 ms) */
    if (i == rounds / 2) usleep(20000); /* let the workers fall asleep once */
  }
  for (int t = 0; t < 4; t++) {
    if (atomic_load(&c.calls[t]) != rounds) {
      fprintf(stderr, "FAIL thread %d ran %d of %d jobs\n", t, atomic_load(&c.calls[t]), rounds);
      failures++;
    }
  }
  if (atomic_load(&c.bad_nt)) failures++, fprintf(stderr, "FAIL wrong thread count\n");
  barrier_job b = {0};
  for (int i = 0; i < rounds; i++) {
    lrtk_pool_run(pool, wait_for_all, &b);
    atomic_fetch_add(&b.rounds_done, 1);
    if (i == rounds / 2) usleep(20000);
  }
  if (atomic_load(&b.arrived) != 4 * rounds)
    failures++, fprintf(stderr, "FAIL barrier jobs: %d arrivals\n", atomic_load(&b.arrived));
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
