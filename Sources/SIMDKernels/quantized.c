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

// Four queries against each row: a chunk of codes is loaded once for the four (a batch's scan),
// two rows at a time, then each row's four accumulators are summed together.
#if LR_X86
TARGET_AVX512_VNNI INLINE __m128i sum4_epi32(__m512i a0, __m512i a1, __m512i a2, __m512i a3) {
    // Lane sums of four vectors, [Σa0, Σa1, Σa2, Σa3], in 13 operations instead of four reductions.
    __m512i t01 = _mm512_add_epi32(_mm512_unpacklo_epi32(a0, a1), _mm512_unpackhi_epi32(a0, a1));
    __m512i t23 = _mm512_add_epi32(_mm512_unpacklo_epi32(a2, a3), _mm512_unpackhi_epi32(a2, a3));
    __m512i t = _mm512_add_epi32(_mm512_unpacklo_epi64(t01, t23), _mm512_unpackhi_epi64(t01, t23));
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(t), _mm512_extracti64x4_epi64(t, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

TARGET_AVX512_VNNI static void u8_dot_rows_x4_vnni(const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out, size_t ldo) {
    size_t vec = dim & ~(size_t)63;
    size_t rest = dim - vec;
    __mmask64 tail = rest ? (__mmask64)((1ull << rest) - 1) : 0;
    const int8_t *q0 = q, *q1 = q + dim, *q2 = q1 + dim, *q3 = q2 + dim;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        const uint8_t *r0 = codes + i * dim, *r1 = r0 + dim;
        __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        for (size_t c = 0; c <= dim; c += 64) {
            __m512i c0, c1, v0, v1, v2, v3;
            if (c < vec) {
                c0 = _mm512_loadu_si512((const void *)(r0 + c)); c1 = _mm512_loadu_si512((const void *)(r1 + c));
                v0 = _mm512_loadu_si512((const void *)(q0 + c)); v1 = _mm512_loadu_si512((const void *)(q1 + c));
                v2 = _mm512_loadu_si512((const void *)(q2 + c)); v3 = _mm512_loadu_si512((const void *)(q3 + c));
            } else if (rest) {
                c0 = _mm512_maskz_loadu_epi8(tail, r0 + c); c1 = _mm512_maskz_loadu_epi8(tail, r1 + c);
                v0 = _mm512_maskz_loadu_epi8(tail, q0 + c); v1 = _mm512_maskz_loadu_epi8(tail, q1 + c);
                v2 = _mm512_maskz_loadu_epi8(tail, q2 + c); v3 = _mm512_maskz_loadu_epi8(tail, q3 + c);
            } else break;
            a00 = _mm512_dpbusd_epi32(a00, c0, v0); a01 = _mm512_dpbusd_epi32(a01, c0, v1);
            a02 = _mm512_dpbusd_epi32(a02, c0, v2); a03 = _mm512_dpbusd_epi32(a03, c0, v3);
            a10 = _mm512_dpbusd_epi32(a10, c1, v0); a11 = _mm512_dpbusd_epi32(a11, c1, v1);
            a12 = _mm512_dpbusd_epi32(a12, c1, v2); a13 = _mm512_dpbusd_epi32(a13, c1, v3);
        }
        int32_t s0[4], s1[4];
        _mm_storeu_si128((__m128i *)s0, sum4_epi32(a00, a01, a02, a03));
        _mm_storeu_si128((__m128i *)s1, sum4_epi32(a10, a11, a12, a13));
        for (int j = 0; j < 4; j++) { out[j * ldo + i] = s0[j]; out[j * ldo + i + 1] = s1[j]; }
    }
    if (i < n) {
        for (int j = 0; j < 4; j++) u8_dot_rows_vnni(codes + i * dim, n - i, dim, q + j * dim, out + j * ldo + i);
    }
}
#endif

void lr_u8_dot_rows_x4(int path, const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out, size_t ldo) {
#if LR_X86
    if (path == LR_INT8_PATH_AVX512_VNNI) { u8_dot_rows_x4_vnni(codes, n, dim, q, out, ldo); return; }
#endif
    for (int j = 0; j < 4; j++) lr_u8_dot_rows(path, codes, n, dim, q + j * dim, out + j * ldo);
}

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
