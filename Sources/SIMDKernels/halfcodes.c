// halfcodes.c: 16-bit float codes (IEEE float16 or bfloat16) of float32 rows, and their dot products with a float32 query (the compressed scan), plain, AVX2+F16C and AVX-512.
#include "SIMDKernels.h"

#include <string.h>

#include "targets.h"

// A code is converted to float32 exactly (both formats are subsets of it) and multiplied by the
// float32 query; the paths differ only in the order they sum (4, 8 or 16 partial sums a row).

static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0x1f) bits = sign | 0x7f800000u | (mant << 13);          // inf, NaN
    else if (exp) bits = sign | ((exp + 112) << 23) | (mant << 13);     // normal
    else if (!mant) bits = sign;                                        // zero
    else {                                                              // subnormal: normalise
        int e = -1;
        do { e++; mant <<= 1; } while (!(mant & 0x400));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static uint16_t f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff, mant = x & 0x7fffff;
    if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 | (mant >> 13) : 0));   // inf, NaN (quiet)
    int e = (int)exp - 112;                                 // float16 exponent
    if (e >= 31) return (uint16_t)(sign | 0x7c00);          // overflow: inf
    if (e <= 0) {                                           // subnormal or zero, round to nearest even
        if (e < -10) return (uint16_t)sign;
        mant |= 0x800000;
        int shift = 14 - e;
        uint32_t half = mant >> shift, rest = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rest > mid || (rest == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((uint32_t)e << 10) | (mant >> 13), rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;   // a carry into the exponent is right (up to inf)
    return (uint16_t)(sign | half);
}

static float bf16_to_f32(uint16_t b) {
    uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static uint16_t f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40);   // NaN stays NaN (quiet)
    x += 0x7fff + ((x >> 16) & 1);                                                // round to nearest even
    return (uint16_t)(x >> 16);
}

void lr_half_encode(int format, const float *src, size_t n, uint16_t *dst) {
    if (format == LR_HALF_BF16) for (size_t i = 0; i < n; i++) dst[i] = f32_to_bf16(src[i]);
    else for (size_t i = 0; i < n; i++) dst[i] = f32_to_f16(src[i]);
}

float lr_half_decode(int format, uint16_t code) { return format == LR_HALF_BF16 ? bf16_to_f32(code) : f16_to_f32(code); }

static void half_dot_rows_plain(int format, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        float s[4] = {0, 0, 0, 0};
        size_t c = 0;
        for (; c + 4 <= dim; c += 4)
            for (int l = 0; l < 4; l++) s[l] += lr_half_decode(format, r[c + l]) * q[c + l];
        for (; c < dim; c++) s[0] += lr_half_decode(format, r[c]) * q[c];
        out[i] = (s[0] + s[1]) + (s[2] + s[3]);
    }
}

#if LR_X86
#define TARGET_AVX2_F16C __attribute__((target("avx2,fma,f16c")))

TARGET_AVX2_F16C INLINE __m256 load8(int format, const uint16_t *p) {
    __m128i h = _mm_loadu_si128((const __m128i *)p);
    return format == LR_HALF_BF16 ? _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)) : _mm256_cvtph_ps(h);
}

TARGET_AVX2_F16C INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

TARGET_AVX2_F16C static void half_dot_rows_avx2(int format, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    size_t vec = dim & ~(size_t)7;
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        __m256 a = _mm256_setzero_ps();
        for (size_t c = 0; c < vec; c += 8) a = _mm256_fmadd_ps(load8(format, r + c), _mm256_loadu_ps(q + c), a);
        float s = hsum256(a);
        for (size_t c = vec; c < dim; c++) s += lr_half_decode(format, r[c]) * q[c];
        out[i] = s;
    }
}

TARGET_AVX512 INLINE __m512 load16(int format, __mmask16 m, const uint16_t *p) {
    __m256i h = _mm256_maskz_loadu_epi16(m, p);
    return format == LR_HALF_BF16 ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)) : _mm512_cvtph_ps(h);
}

// Two rows at a time against one query, 16 dimensions a step, the last step masked.
TARGET_AVX512 static void half_dot_rows_avx512(int format, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        const uint16_t *r0 = codes + i * dim, *r1 = r0 + dim;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        for (size_t c = 0; c < dim; c += 16) {
            __mmask16 m = dim - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (dim - c)) - 1);
            __m512 qv = _mm512_maskz_loadu_ps(m, q + c);
            a0 = _mm512_fmadd_ps(load16(format, m, r0 + c), qv, a0);
            a1 = _mm512_fmadd_ps(load16(format, m, r1 + c), qv, a1);
        }
        out[i] = _mm512_reduce_add_ps(a0);
        out[i + 1] = _mm512_reduce_add_ps(a1);
    }
    for (; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        __m512 a = _mm512_setzero_ps();
        for (size_t c = 0; c < dim; c += 16) {
            __mmask16 m = dim - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (dim - c)) - 1);
            a = _mm512_fmadd_ps(load16(format, m, r + c), _mm512_maskz_loadu_ps(m, q + c), a);
        }
        out[i] = _mm512_reduce_add_ps(a);
    }
}

// Four queries against each row: a row's codes are converted once for the four.
TARGET_AVX512 static void half_dot_rows_x4_avx512(int format, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out, size_t ldo) {
    const float *q0 = q, *q1 = q + dim, *q2 = q1 + dim, *q3 = q2 + dim;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        const uint16_t *r0 = codes + i * dim, *r1 = r0 + dim;
        __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        for (size_t c = 0; c < dim; c += 16) {
            __mmask16 m = dim - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (dim - c)) - 1);
            __m512 c0 = load16(format, m, r0 + c), c1 = load16(format, m, r1 + c);
            __m512 v0 = _mm512_maskz_loadu_ps(m, q0 + c), v1 = _mm512_maskz_loadu_ps(m, q1 + c);
            __m512 v2 = _mm512_maskz_loadu_ps(m, q2 + c), v3 = _mm512_maskz_loadu_ps(m, q3 + c);
            a00 = _mm512_fmadd_ps(c0, v0, a00); a01 = _mm512_fmadd_ps(c0, v1, a01);
            a02 = _mm512_fmadd_ps(c0, v2, a02); a03 = _mm512_fmadd_ps(c0, v3, a03);
            a10 = _mm512_fmadd_ps(c1, v0, a10); a11 = _mm512_fmadd_ps(c1, v1, a11);
            a12 = _mm512_fmadd_ps(c1, v2, a12); a13 = _mm512_fmadd_ps(c1, v3, a13);
        }
        out[i] = _mm512_reduce_add_ps(a00); out[ldo + i] = _mm512_reduce_add_ps(a01);
        out[2 * ldo + i] = _mm512_reduce_add_ps(a02); out[3 * ldo + i] = _mm512_reduce_add_ps(a03);
        out[i + 1] = _mm512_reduce_add_ps(a10); out[ldo + i + 1] = _mm512_reduce_add_ps(a11);
        out[2 * ldo + i + 1] = _mm512_reduce_add_ps(a12); out[3 * ldo + i + 1] = _mm512_reduce_add_ps(a13);
    }
    if (i < n) {
        for (int j = 0; j < 4; j++) half_dot_rows_avx512(format, codes + i * dim, n - i, dim, q + j * dim, out + j * ldo + i);
    }
}
#endif

void lr_half_dot_rows(int path, int format, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
#if LR_X86
    if (path >= LR_PATH_AVX512) { half_dot_rows_avx512(format, codes, n, dim, q, out); return; }
    if (path >= LR_PATH_AVX2) { half_dot_rows_avx2(format, codes, n, dim, q, out); return; }
#endif
    half_dot_rows_plain(format, codes, n, dim, q, out);
}

void lr_half_dot_rows_x4(int path, int format, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out, size_t ldo) {
#if LR_X86
    if (path >= LR_PATH_AVX512) { half_dot_rows_x4_avx512(format, codes, n, dim, q, out, ldo); return; }
#endif
    for (int j = 0; j < 4; j++) lr_half_dot_rows(path, format, codes, n, dim, q + j * dim, out + j * ldo);
}

int lr_half_path(void) {
    int path = lr_simd_path();
    return path == LR_PATH_AVX2 && !lr_cpu_detect().f16c ? LR_PATH_PLAIN : path;
}
