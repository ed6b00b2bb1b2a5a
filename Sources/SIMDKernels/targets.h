// targets.h: the per-instruction-set function attributes every kernel file compiles its variants with (private to SIMDKernels).
#ifndef LOCALRAG_SIMD_TARGETS_H
#define LOCALRAG_SIMD_TARGETS_H

#if defined(__x86_64__)
#include <immintrin.h>
#define LR_X86 1
#define TARGET_AVX2 __attribute__((target("avx2,fma")))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#define TARGET_AVX512_VNNI __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512vnni,avx2,fma")))
#define TARGET_AVX512_BF16 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16,avx2,fma")))
#else
#define LR_X86 0
#endif

#define INLINE static inline __attribute__((always_inline))

#if LR_X86
// Lanes [lo, hi) of 16 set (clamped): the store mask of a tile's columns past a range's edges.
INLINE __mmask16 lane_mask(size_t lo, size_t hi) {
    if (hi > 16) hi = 16;
    if (lo >= hi) return 0;
    return (__mmask16)((((1u << (hi - lo)) - 1) << lo) & 0xffffu);
}
#endif

#endif
