// quantized.c: integer dot products of 8-bit codes with an 8-bit query (the compressed scan), plain, AVX2, AVX-512 and AVX-512 VNNI.
#include "SIMDKernels.h"

#include "targets.h"

// Every path sums exact integer products in int32, so all of them return the same numbers.

static void u8_dot_rows_plain(const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out) {
    for (size_t i = 0; i < n; i++) {
        const uint8_t *r = codes + i * dim;
        int32_t s = 0;
        for (size_t c = 0; c < dim; c++) s += (int32_t)r[c] * (int32_t)q[c];
        out[i] = s;
    }
}

#if LR_X86
TARGET_AVX2 INLINE int32_t hsum_epi32_256(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

// 16 codes and 16 query values widened to int16, multiplied and summed in pairs (no saturation:
// 255 x 127 x 2 fits in int32, which is where madd sums).
TARGET_AVX2 static void u8_dot_rows_avx2(const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out) {
    size_t vec = dim & ~(size_t)15;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t *r0 = codes + i * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
        __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256(), a2 = _mm256_setzero_si256(), a3 = _mm256_setzero_si256();
        for (size_t c = 0; c < vec; c += 16) {
            __m256i qv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + c)));
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r0 + c))), qv));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r1 + c))), qv));
            a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r2 + c))), qv));
            a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r3 + c))), qv));
        }
        int32_t t0 = hsum_epi32_256(a0), t1 = hsum_epi32_256(a1), t2 = hsum_epi32_256(a2), t3 = hsum_epi32_256(a3);
        for (size_t c = vec; c < dim; c++) {
            int32_t qc = q[c];
            t0 += r0[c] * qc; t1 += r1[c] * qc; t2 += r2[c] * qc; t3 += r3[c] * qc;
        }
        out[i] = t0; out[i + 1] = t1; out[i + 2] = t2; out[i + 3] = t3;
    }
    if (i < n) u8_dot_rows_plain(codes + i * dim, n - i, dim, q, out + i);
}

// 32 codes a step, widened to int16 as AVX2 does, 16 int32 sums per row.
TARGET_AVX512 static void u8_dot_rows_avx512(const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out) {
    size_t vec = dim & ~(size_t)31;
    size_t rest = dim - vec;
    __mmask32 tail = rest ? (__mmask32)((1ull << rest) - 1) : 0;
    __m512i qt = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(tail, q + vec));
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t *r0 = codes + i * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
        __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512(), a2 = _mm512_setzero_si512(), a3 = _mm512_setzero_si512();
        for (size_t c = 0; c < vec; c += 32) {
            __m512i qv = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(q + c)));
            a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r0 + c))), qv));
            a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r1 + c))), qv));
            a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r2 + c))), qv));
            a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r3 + c))), qv));
        }
        if (rest) {
            a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(tail, r0 + vec)), qt));
            a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(tail, r1 + vec)), qt));
            a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(tail, r2 + vec)), qt));
            a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(tail, r3 + vec)), qt));
        }
        out[i] = _mm512_reduce_add_epi32(a0); out[i + 1] = _mm512_reduce_add_epi32(a1);
        out[i + 2] = _mm512_reduce_add_epi32(a2); out[i + 3] = _mm512_reduce_add_epi32(a3);
    }
    for (; i < n; i++) {
        const uint8_t *r = codes + i * dim;
        __m512i a = _mm512_setzero_si512();
        for (size_t c = 0; c < vec; c += 32)
            a = _mm512_add_epi32(a, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r + c))),
                                                      _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(q + c)))));
        if (rest) a = _mm512_add_epi32(a, _mm512_madd_epi16(_mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(tail, r + vec)), qt));
        out[i] = _mm512_reduce_add_epi32(a);
    }
}

// VNNI: vpdpbusd multiplies 64 unsigned codes by 64 signed query bytes and adds each group of
// four into an int32 lane, one instruction for what AVX-512 above does in three.
TARGET_AVX512_VNNI static void u8_dot_rows_vnni(const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out) {
    size_t vec = dim & ~(size_t)63;
    size_t rest = dim - vec;
    __mmask64 tail = rest ? (__mmask64)((1ull << rest) - 1) : 0;
    __m512i qt = _mm512_maskz_loadu_epi8(tail, q + vec);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t *r0 = codes + i * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
        __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512(), a2 = _mm512_setzero_si512(), a3 = _mm512_setzero_si512();
        for (size_t c = 0; c < vec; c += 64) {
            __m512i qv = _mm512_loadu_si512((const void *)(q + c));
            a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512((const void *)(r0 + c)), qv);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512((const void *)(r1 + c)), qv);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_loadu_si512((const void *)(r2 + c)), qv);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_loadu_si512((const void *)(r3 + c)), qv);
        }
        if (rest) {
            a0 = _mm512_dpbusd_epi32(a0, _mm512_maskz_loadu_epi8(tail, r0 + vec), qt);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_maskz_loadu_epi8(tail, r1 + vec), qt);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_maskz_loadu_epi8(tail, r2 + vec), qt);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_maskz_loadu_epi8(tail, r3 + vec), qt);
        }
        out[i] = _mm512_reduce_add_epi32(a0); out[i + 1] = _mm512_reduce_add_epi32(a1);
        out[i + 2] = _mm512_reduce_add_epi32(a2); out[i + 3] = _mm512_reduce_add_epi32(a3);
    }
    for (; i < n; i++) {
        const uint8_t *r = codes + i * dim;
        __m512i a = _mm512_setzero_si512();
        for (size_t c = 0; c < vec; c += 64)
            a = _mm512_dpbusd_epi32(a, _mm512_loadu_si512((const void *)(r + c)), _mm512_loadu_si512((const void *)(q + c)));
        if (rest) a = _mm512_dpbusd_epi32(a, _mm512_maskz_loadu_epi8(tail, r + vec), qt);
        out[i] = _mm512_reduce_add_epi32(a);
    }
}
#endif

void lr_u8_dot_rows(int path, const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out) {
#if LR_X86
    switch (path) {
    case LR_INT8_PATH_AVX512_VNNI: u8_dot_rows_vnni(codes, n, dim, q, out); return;
    case LR_INT8_PATH_AVX512: u8_dot_rows_avx512(codes, n, dim, q, out); return;
    case LR_INT8_PATH_AVX2: u8_dot_rows_avx2(codes, n, dim, q, out); return;
    default: break;
    }
#endif
    u8_dot_rows_plain(codes, n, dim, q, out);
}
