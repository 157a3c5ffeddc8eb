#ifndef LRTK_CPU_H
#define LRTK_CPU_H

/* SIMD features found on the running CPU; kernels are chosen from these at run time. A
 * feature is only reported when the OS also saves its registers (XCR0 via xgetbv), so that
 * every set bit is usable. */
enum {
  LRTK_CPU_AVX2 = 1 << 0,       /* AVX2 and F16C, with the ymm state enabled */
  LRTK_CPU_NEON = 1 << 1,
  LRTK_CPU_AVX512F = 1 << 2,    /* these four with the opmask and zmm state enabled */
  LRTK_CPU_AVX512BW = 1 << 3,
  LRTK_CPU_AVX512VBMI = 1 << 4,
  LRTK_CPU_AVX512VNNI = 1 << 5,
  LRTK_CPU_GFNI = 1 << 6,
};

int lrtk_cpu_features(void);
/* The features above as space-separated names, e.g. "avx2 avx512f avx512bw", or "none". */
const char *lrtk_cpu_feature_names(void);
const char *lrtk_native_version(void);
/* Whether the CPU is an AMD Zen 4 (family 19h with AVX-512): the one CPU on which a kernel's
 * software prefetch was measured to slow it down (see tmac_avx512.c). */
int lrtk_cpu_is_zen4(void);

#endif
