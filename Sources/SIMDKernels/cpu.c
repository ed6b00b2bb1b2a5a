// cpu.c: cpuid-based feature detection and the choice of kernel path (LOCALRAG_SIMD forces one).
#include "SIMDKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long lr_xgetbv(unsigned index) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(index));
    return ((unsigned long long)edx << 32) | eax;
}

lr_cpu_features lr_cpu_detect(void) {
    lr_cpu_features f;
    memset(&f, 0, sizeof f);
    f.is_x86 = 1;
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return f;
    unsigned max_leaf = a;
    char vendor[13];
    memcpy(vendor, &b, 4); memcpy(vendor + 4, &d, 4); memcpy(vendor + 8, &c, 4); vendor[12] = 0;
    f.is_intel = strcmp(vendor, "GenuineIntel") == 0;
    f.is_amd = strcmp(vendor, "AuthenticAMD") == 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    f.fma = (c >> 12) & 1;
    f.f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return f;
    unsigned long long xcr0 = lr_xgetbv(0);
    int ymm = (xcr0 & 0x6) == 0x6;            // SSE and AVX state
    int zmm = (xcr0 & 0xe6) == 0xe6;          // plus opmask and both ZMM halves
    if (max_leaf < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = ymm && ((b >> 5) & 1);
    int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512cd = (b >> 28) & 1;
    int avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    f.avx512 = zmm && avx512f && avx512dq && avx512cd && avx512bw && avx512vl;
    f.avx512_vnni = f.avx512 && ((c >> 11) & 1);
    if (a >= 1) {                             // leaf 7's highest subleaf
        __cpuid_count(7, 1, a, b, c, d);
        f.avx512_bf16 = f.avx512 && ((a >> 5) & 1);
    }
    return f;
}

void lr_cpu_brand(char *out, size_t capacity) {
    if (capacity == 0) return;
    out[0] = 0;
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000004u) return;
    char brand[49];
    unsigned *w = (unsigned *)brand;
    for (unsigned leaf = 0; leaf < 3; leaf++) {
        __get_cpuid(0x80000002u + leaf, &a, &b, &c, &d);
        w[leaf * 4] = a; w[leaf * 4 + 1] = b; w[leaf * 4 + 2] = c; w[leaf * 4 + 3] = d;
    }
    brand[48] = 0;
    const char *s = brand;
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ') n--;
    if (n >= capacity) n = capacity - 1;
    memcpy(out, s, n);
    out[n] = 0;
}
#else
lr_cpu_features lr_cpu_detect(void) {
    lr_cpu_features f;
    memset(&f, 0, sizeof f);
    return f;
}

void lr_cpu_brand(char *out, size_t capacity) {
    if (capacity) out[0] = 0;
}
#endif

int lr_simd_best_path(void) {
    lr_cpu_features f = lr_cpu_detect();
    if (f.avx512 && f.fma) return LR_PATH_AVX512;
    if (f.avx2 && f.fma) return LR_PATH_AVX2;
    return LR_PATH_PLAIN;
}

int lr_int8_best_path(void) {
    int path = lr_simd_best_path();
    return path == LR_PATH_AVX512 && lr_cpu_detect().avx512_vnni ? LR_INT8_PATH_AVX512_VNNI : path;
}

int lr_int8_path(void) {
    int path = lr_simd_path();
    if (path == LR_PATH_AVX512 && lr_int8_best_path() == LR_INT8_PATH_AVX512_VNNI) {
        const char *forced = getenv("LOCALRAG_SIMD");
        if (!(forced && strcmp(forced, "avx512-novnni") == 0)) return LR_INT8_PATH_AVX512_VNNI;
    }
    return path;
}

int lr_half_best_path(void) {
    lr_cpu_features f = lr_cpu_detect();
    int path = lr_simd_best_path();
    if (path == LR_PATH_AVX512 && f.avx512_bf16) return LR_HALF_PATH_AVX512_BF16;
    return path == LR_PATH_AVX2 && !f.f16c ? LR_PATH_PLAIN : path;
}

int lr_half_path(void) {
    int path = lr_simd_path(), best = lr_half_best_path();
    if (path == LR_PATH_AVX512 && best == LR_HALF_PATH_AVX512_BF16) {
        const char *forced = getenv("LOCALRAG_SIMD");
        if (!(forced && strcmp(forced, "avx512-novnni") == 0)) return LR_HALF_PATH_AVX512_BF16;
    }
    return path > best ? best : path;
}

int lr_simd_path(void) {
    int path = lr_simd_best_path();
    const char *forced = getenv("LOCALRAG_SIMD");
    if (forced && *forced) {
        int want = path;
        if (strcmp(forced, "plain") == 0) want = LR_PATH_PLAIN;
        else if (strcmp(forced, "avx2") == 0) want = LR_PATH_AVX2;
        else if (strcmp(forced, "avx512") == 0 || strcmp(forced, "avx512-novnni") == 0) want = LR_PATH_AVX512;
        if (want < path) path = want;
    }
    return path;
}
