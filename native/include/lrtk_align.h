/* Banded bead DP of the sentence aligners (lrtk/align/search.py): the recurrence only; the
 * bead costs come from Python, a chunk of rows at a time. */
#ifndef LRTK_ALIGN_H
#define LRTK_ALIGN_H

#include <stdint.h>

/* Rows [r0, r1) of the band. Row i holds target positions lo[i]..hi[i], its cells stored from
 * offset[i] (offset[i + 1] - offset[i] = hi[i] - lo[i] + 1). Shape k covers shape_a[k] source
 * and shape_b[k] target sentences; del_tgt is the index of the 0-1 shape.
 * costs: row i's (n_shapes, width) bead costs, row-major, starting at
 * n_shapes * (offset[i] - offset[r0]). Writes, for each cell: total[] the cheapest cost of a
 * path reaching it, back[] its last bead's shape, bead[] that bead's cost. Rows before r0 must
 * have been filled by an earlier call. The arithmetic is that of the numpy version it replaced
 * (same additions in the same order, first minimum wins), so paths are identical. */
void lrtk_band_dp(int64_t r0, int64_t r1, int64_t n_shapes, const int64_t *shape_a,
                  const int64_t *shape_b, int64_t del_tgt, const int64_t *lo, const int64_t *hi,
                  const int64_t *offset, const double *costs, double *total, int8_t *back,
                  double *bead);

#endif
