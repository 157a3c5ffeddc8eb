/* Banded bead DP (see lrtk_align.h). One cell: the cheapest of "previous row's cell + bead"
 * over the shapes that consume source sentences; then, along the row, 0-1 beads (one target
 * sentence deleted) as a min-plus prefix scan written exactly as numpy computed it: running
 * minimum of (best - prefix cost), then back to a cost by adding the prefix again. */
#include "lrtk_align.h"

#include <math.h>

void lrtk_band_dp(int64_t r0, int64_t r1, int64_t n_shapes, const int64_t *shape_a,
                  const int64_t *shape_b, int64_t del_tgt, const int64_t *lo, const int64_t *hi,
                  const int64_t *offset, const double *costs, double *total, int8_t *back,
                  double *bead) {
    for (int64_t i = r0; i < r1; i++) {
        const int64_t width = hi[i] - lo[i] + 1;
        const double *c = costs + n_shapes * (offset[i] - offset[r0]);
        double *best = total + offset[i];
        int8_t *bk = back + offset[i];
        double *bd = bead + offset[i];
        for (int64_t x = 0; x < width; x++) {
            const int64_t j = lo[i] + x;
            double min = INFINITY;
            int64_t arg = 0;
            for (int64_t k = 0; k < n_shapes; k++) {
                const int64_t a = shape_a[k], b = shape_b[k];
                if (a == 0 || a > i) continue;
                const int64_t p = i - a, pj = j - b;
                if (pj < lo[p] || pj > hi[p]) continue;
                const double v = total[offset[p] + pj - lo[p]] + c[k * width + x];
                if (v < min) { min = v; arg = k; }
            }
            best[x] = min;
            bk[x] = (int8_t)arg;
        }
        if (i == 0) best[0] = 0.0;
        if (width > 1) {
            double acc = 0.0, run = best[0];  /* run: min over cells so far of best - acc */
            for (int64_t x = 1; x < width; x++) {
                acc += c[del_tgt * width + x];
                const double rel = best[x] - acc;
                if (rel < run) run = rel;
                if (rel > run) {  /* an earlier cell set the minimum: reach this one by 0-1 beads */
                    best[x] = run + acc;
                    bk[x] = (int8_t)del_tgt;
                }
            }
        }
        for (int64_t x = 0; x < width; x++) bd[x] = c[bk[x] * width + x];
    }
}
