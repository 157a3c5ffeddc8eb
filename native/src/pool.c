/* Persistent thread pool: workers wait for a new generation number, claim a thread index of
 * the job, run it, count down. A GEMV takes a fraction of a millisecond, so both sides spin
 * briefly (and workers then yield, see YIELD_NS) before sleeping on a condition variable:
 * waking a sleeping thread costs tens of microseconds.
 *
 * Indexes are claimed, not assigned: the caller runs index 0, then every index that no worker
 * has claimed yet, and waits only for the workers that did claim one. A worker the OS has not
 * yet woken or run (more runnable threads than cores) then costs the caller nothing: before,
 * every job waited for every worker to start, and on the shared 2-core VM a one-row GEMV
 * (the tables and one tile) took 0.12 ms median on 2 threads against 0.006 ms on one. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tmac_internal.h"

#define SPIN_ROUNDS 2000 /* a few tens of microseconds (46 us of pause on Zen 5) */

/* After spinning, a worker yields the CPU in a loop for this long before it sleeps. Between
 * two decoded tokens the caller samples, and from Python that took longer than the spin:
 * the worker slept, and waking it made the caller's first GEMV of the next token wait
 * 21 us (8 us of it in the wake-up call itself, on the 2-core VM). Yielding, not pausing,
 * lets any other runnable thread have the core meanwhile; an idle worker costs at most this
 * much CPU time after its last job. */
#define YIELD_NS 1000000L

struct lrtk_pool {
  int n_threads;
  pthread_t *threads;
  pthread_mutex_t mu;
  pthread_cond_t start_cv, done_cv;
  atomic_uint generation;  /* bumped once per job; workers run when it changes */
  atomic_int pending;      /* claimed indexes of the current job still running */
  atomic_int next;         /* the next unclaimed thread index (>= n_threads: none left) */
  int stop;
  void (*fn)(void *ctx, int ti, int nt);
  void *ctx;
  void *scratch;
  size_t scratch_bytes;
};

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void *worker_main(void *p) {
  lrtk_pool *pool = p;
  unsigned seen = 0;
  for (;;) {
    for (int i = 0; i < SPIN_ROUNDS && atomic_load(&pool->generation) == seen; i++)
      lrtk_cpu_relax();
    for (const long until = now_ns() + YIELD_NS;
         atomic_load(&pool->generation) == seen && now_ns() < until;)
      sched_yield();
    pthread_mutex_lock(&pool->mu);
    while (atomic_load(&pool->generation) == seen && !pool->stop)
      pthread_cond_wait(&pool->start_cv, &pool->mu);
    int stop = pool->stop;
    pthread_mutex_unlock(&pool->mu);
    if (stop) return NULL;
    seen = atomic_load(&pool->generation);
    /* Late for a job the caller has finished, this claims nothing (next is past the last
     * index), or an index of the caller's next job, whose fn and ctx were written before next
     * was reset; its own generation then finds nothing left to claim. */
    const int index = atomic_fetch_add(&pool->next, 1);
    if (index >= pool->n_threads) continue;
    pool->fn(pool->ctx, index, pool->n_threads);
    if (atomic_fetch_sub(&pool->pending, 1) == 1) {
      pthread_mutex_lock(&pool->mu);
      pthread_cond_signal(&pool->done_cv);
      pthread_mutex_unlock(&pool->mu);
    }
  }
}

lrtk_pool *lrtk_pool_create(int n_threads) {
  if (n_threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    n_threads = n > 0 ? (int)n : 1;
  }
  lrtk_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return NULL;
  pool->n_threads = n_threads;
  pthread_mutex_init(&pool->mu, NULL);
  pthread_cond_init(&pool->start_cv, NULL);
  pthread_cond_init(&pool->done_cv, NULL);
  pool->threads = calloc((size_t)n_threads, sizeof(pthread_t));
  if (!pool->threads) {
    lrtk_pool_free(pool);
    return NULL;
  }
  atomic_init(&pool->next, n_threads); /* nothing to claim before the first job */
  for (int i = 1; i < n_threads; i++) {
    if (pthread_create(&pool->threads[i], NULL, worker_main, pool) != 0) {
      pool->n_threads = i; /* lrtk_pool_free joins only the threads that started */
      lrtk_pool_free(pool);
      return NULL;
    }
  }
  return pool;
}

void lrtk_pool_free(lrtk_pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->mu);
  pool->stop = 1;
  atomic_fetch_add(&pool->generation, 1);
  pthread_cond_broadcast(&pool->start_cv);
  pthread_mutex_unlock(&pool->mu);
  for (int i = 1; pool->threads && i < pool->n_threads; i++) pthread_join(pool->threads[i], NULL);
  pthread_mutex_destroy(&pool->mu);
  pthread_cond_destroy(&pool->start_cv);
  pthread_cond_destroy(&pool->done_cv);
  free(pool->threads);
  free(pool->scratch);
  free(pool);
}

int lrtk_pool_threads(const lrtk_pool *pool) { return pool ? pool->n_threads : 1; }

void lrtk_pool_run(lrtk_pool *pool, void (*fn)(void *ctx, int ti, int nt), void *ctx) {
  if (!pool || pool->n_threads == 1) {
    fn(ctx, 0, 1);
    return;
  }
  pool->fn = fn;
  pool->ctx = ctx;
  atomic_store(&pool->pending, pool->n_threads - 1);
  atomic_store(&pool->next, 1);
  pthread_mutex_lock(&pool->mu);
  atomic_fetch_add(&pool->generation, 1);
  pthread_cond_broadcast(&pool->start_cv);
  pthread_mutex_unlock(&pool->mu);
  fn(ctx, 0, pool->n_threads);
  for (int i; (i = atomic_fetch_add(&pool->next, 1)) < pool->n_threads;) {
    fn(ctx, i, pool->n_threads);
    atomic_fetch_sub(&pool->pending, 1);
  }
  for (int i = 0; i < SPIN_ROUNDS && atomic_load(&pool->pending) != 0; i++) lrtk_cpu_relax();
  pthread_mutex_lock(&pool->mu);
  while (atomic_load(&pool->pending) != 0) pthread_cond_wait(&pool->done_cv, &pool->mu);
  pthread_mutex_unlock(&pool->mu);
}

void *lrtk_pool_scratch(lrtk_pool *pool, size_t bytes) {
  if (pool->scratch_bytes < bytes) {
    free(pool->scratch);
    pool->scratch = NULL;
    pool->scratch_bytes = 0;
    if (posix_memalign(&pool->scratch, 64, bytes) != 0) return NULL;
    pool->scratch_bytes = bytes;
  }
  return pool->scratch;
}
