#ifndef LRTK_SIMD_CLONES_H
#define LRTK_SIMD_CLONES_H
/* LRTK_SIMD_CLONES on a function of plain C loops: on x86-64 GCC also compiles an AVX2 copy
 * and picks one when the library loads, so the loops vectorize 8 floats wide where the CPU
 * allows and the library still runs on CPUs without AVX2. The copies do the same IEEE
 * operations (no FMA contraction, see native/CMakeLists.txt), so results do not depend on
 * which one runs. */
#if defined(__x86_64__)
#define LRTK_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LRTK_SIMD_CLONES
#endif
#endif
