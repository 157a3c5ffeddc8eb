#ifndef LRTK_CPU_H
#define LRTK_CPU_H

/* SIMD features found on the running CPU; kernels are chosen from these at run time. */
enum {
  LRTK_CPU_AVX2 = 1 << 0,
  LRTK_CPU_NEON = 1 << 1,
};

int lrtk_cpu_features(void);
const char *lrtk_native_version(void);

#endif
