#include "lrtk_cpu.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XCR0: which register states the OS saves on a context switch. A CPU may have AVX-512 while
 * the OS (or a hypervisor) leaves the zmm state off; its instructions then fault. */
static unsigned long long xcr0(void) {
  unsigned lo, hi;
  __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (unsigned long long)hi << 32 | lo;
}

static int detect(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return 0;
  const int f16c = (c & bit_F16C) != 0;
  const unsigned long long state = xcr0();
  const int ymm = (state & 0x6) == 0x6;    /* SSE and AVX state */
  const int zmm = (state & 0xe6) == 0xe6;  /* + opmask, zmm0-15 upper halves, zmm16-31 */
  if (!ymm || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  int f = 0;
  /* The AVX2 kernel also converts half scales with F16C, which every AVX2 CPU has so far. */
  if ((b & bit_AVX2) && f16c) f |= LRTK_CPU_AVX2;
  if (c & bit_GFNI) f |= LRTK_CPU_GFNI;
  if (zmm) {
    if (b & bit_AVX512F) f |= LRTK_CPU_AVX512F;
    if (b & bit_AVX512BW) f |= LRTK_CPU_AVX512BW;
    if (c & bit_AVX512VBMI) f |= LRTK_CPU_AVX512VBMI;
    if (c & bit_AVX512VNNI) f |= LRTK_CPU_AVX512VNNI;
  }
  return f;
}

static int zen4(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
  const int amd = b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u; /* "AuthenticAMD" */
  if (!amd || !__get_cpuid(1, &a, &b, &c, &d)) return 0;
  const unsigned family = ((a >> 8) & 0xf) + ((a >> 20) & 0xff);
  /* Family 19h is Zen 3 and Zen 4; of those only Zen 4 has AVX-512. */
  return family == 0x19 && (lrtk_cpu_features() & LRTK_CPU_AVX512F);
}
#else
static int zen4(void) { return 0; }
static int detect(void) {
#if defined(__aarch64__)
  return LRTK_CPU_NEON; /* NEON (ASIMD) is mandatory on AArch64 */
#else
  return 0;
#endif
}
#endif

/* Cached after the first call: the CPU does not change under a running process, and the
 * kernel selector asks on every GEMM. Concurrent first calls store the same value. */
static _Atomic int features = -1;

int lrtk_cpu_features(void) {
  int f = features;
  if (f < 0) features = f = detect();
  return f;
}

const char *lrtk_cpu_feature_names(void) {
  static const struct { int bit; const char *name; } names[] = {
      {LRTK_CPU_AVX2, "avx2"},           {LRTK_CPU_AVX512F, "avx512f"},
      {LRTK_CPU_AVX512BW, "avx512bw"},   {LRTK_CPU_AVX512VBMI, "avx512vbmi"},
      {LRTK_CPU_AVX512VNNI, "avx512vnni"}, {LRTK_CPU_GFNI, "gfni"},
      {LRTK_CPU_NEON, "neon"},
  };
  /* Every name once plus separators fits; the same text for every caller. */
  static _Thread_local char text[96];
  const int f = lrtk_cpu_features();
  text[0] = '\0';
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!(f & names[i].bit)) continue;
    if (text[0]) strcat(text, " ");
    strcat(text, names[i].name);
  }
  return text[0] ? text : "none";
}

int lrtk_cpu_is_zen4(void) {
  static _Atomic int cached = -1; /* as features: concurrent first calls store the same value */
  int z = cached;
  if (z < 0) cached = z = zen4();
  return z;
}

const char *lrtk_native_version(void) { return "0.1.0"; }
