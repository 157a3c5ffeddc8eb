#include "lrtk_cpu.h"

int lrtk_cpu_features(void) {
  int f = 0;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  /* The AVX2 kernel also converts half scales with F16C, which every AVX2 CPU has so far. */
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c")) f |= LRTK_CPU_AVX2;
#elif defined(__aarch64__)
  /* NEON (ASIMD) is mandatory on AArch64. */
  f |= LRTK_CPU_NEON;
#endif
  return f;
}

const char *lrtk_native_version(void) { return "0.1.0"; }
