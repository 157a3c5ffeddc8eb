#ifndef LRTK_SIMD_CLONES_H
#define LRTK_SIMD_CLONES_H
/* LRTK_SIMD_CLONES on a function of plain C loops: on x86-64 GCC also compiles AVX-512 and
 * AVX2 copies and picks one when the library loads, so the loops vectorize 16 or 8 floats wide
 * where the CPU allows and the library still runs on CPUs without AVX2. The copies do the same
 * IEEE operations (no FMA contraction, see native/CMakeLists.txt), so results do not depend on
 * which one runs. The AVX-512 copy made SwiGLU 59 -> 35 us per TinyLlama decode step on Zen 5
 * (attention 3-4% faster; docs/kernels.md). */
#if defined(__x86_64__)
#define LRTK_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LRTK_SIMD_CLONES
#endif
#endif
