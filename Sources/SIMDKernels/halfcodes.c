// halfcodes.c: 16-bit float codes (IEEE float16 or bfloat16) of float32 rows, and their dot products with a float32 query (the compressed scan), plain, AVX2+F16C, AVX-512 and AVX-512 BF16.
#include "SIMDKernels.h"

#include <string.h>

#include "targets.h"

// A code is converted to float32 exactly (both formats are subsets of it) and multiplied by the
// float32 query; the plain, AVX2 and AVX-512 paths differ in the order they sum (4, 8 or 16
// partial sums a row) and in fused or separate multiply-adds. The AVX-512 BF16 path rounds the
// query to bfloat16 and multiplies pairs in `vdpbf16ps`, which flushes subnormal inputs and
// outputs to zero: its scores are coarser still, and only choose candidates.

INLINE uint32_t bits_of(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    return x;
}

INLINE float float_of(uint32_t x) {
    float f;
    memcpy(&f, &x, 4);
    return f;
}

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
    return float_of(bits);
}

static uint16_t f32_to_f16(float f) {
    uint32_t x = bits_of(f);
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

static float bf16_to_f32(uint16_t b) { return float_of((uint32_t)b << 16); }

static uint16_t f32_to_bf16(float f) {
    uint32_t x = bits_of(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40);   // NaN stays NaN (quiet)
    x += 0x7fff + ((x >> 16) & 1);                                                // round to nearest even
    return (uint16_t)(x >> 16);
}

void lr_half_encode(int format, const float *src, size_t n, uint16_t *dst) {
    if (format == LR_HALF_BF16) for (size_t i = 0; i < n; i++) dst[i] = f32_to_bf16(src[i]);
    else for (size_t i = 0; i < n; i++) dst[i] = f32_to_f16(src[i]);
}

float lr_half_decode(int format, uint16_t code) { return format == LR_HALF_BF16 ? bf16_to_f32(code) : f16_to_f32(code); }

// The format a constant in each instantiation (`bf`), as the SIMD bodies below.
INLINE void half_dot_rows_plain_body(int bf, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        float s[4] = {0, 0, 0, 0};
        size_t c = 0;
        for (; c + 4 <= dim; c += 4)
            for (int l = 0; l < 4; l++) s[l] += (bf ? bf16_to_f32(r[c + l]) : f16_to_f32(r[c + l])) * q[c + l];
        for (; c < dim; c++) s[0] += (bf ? bf16_to_f32(r[c]) : f16_to_f32(r[c])) * q[c];
        out[i] = (s[0] + s[1]) + (s[2] + s[3]);
    }
}

static void half_dot_rows_plain(int format, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    if (format == LR_HALF_BF16) half_dot_rows_plain_body(1, codes, n, dim, q, out);
    else half_dot_rows_plain_body(0, codes, n, dim, q, out);
}

#if LR_X86
#define TARGET_AVX2_F16C __attribute__((target("avx2,fma,f16c")))

// Each kernel body takes the format as a constant (`bf`: bfloat16) and is instantiated once per
// format, so the conversion is chosen at compile time, not per load.

TARGET_AVX2_F16C INLINE __m256 cvt8(int bf, __m128i h) {
    return bf ? _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)) : _mm256_cvtph_ps(h);
}

TARGET_AVX2_F16C INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// One row at a time, four accumulators across its dimensions (32 a step), as dot_rows_avx2.
TARGET_AVX2_F16C INLINE void half_dot_rows_avx2_body(int bf, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    size_t vec = dim & ~(size_t)7, vec4 = dim & ~(size_t)31;
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        size_t c = 0;
        for (; c < vec4; c += 32) {
            a0 = _mm256_fmadd_ps(cvt8(bf, _mm_loadu_si128((const __m128i *)(r + c))), _mm256_loadu_ps(q + c), a0);
            a1 = _mm256_fmadd_ps(cvt8(bf, _mm_loadu_si128((const __m128i *)(r + c + 8))), _mm256_loadu_ps(q + c + 8), a1);
            a2 = _mm256_fmadd_ps(cvt8(bf, _mm_loadu_si128((const __m128i *)(r + c + 16))), _mm256_loadu_ps(q + c + 16), a2);
            a3 = _mm256_fmadd_ps(cvt8(bf, _mm_loadu_si128((const __m128i *)(r + c + 24))), _mm256_loadu_ps(q + c + 24), a3);
        }
        for (; c < vec; c += 8) a0 = _mm256_fmadd_ps(cvt8(bf, _mm_loadu_si128((const __m128i *)(r + c))), _mm256_loadu_ps(q + c), a0);
        float t = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
        for (; c < dim; c++) t += lr_half_decode(bf ? LR_HALF_BF16 : LR_HALF_F16, r[c]) * q[c];
        out[i] = t;
    }
}

TARGET_AVX2_F16C static void half_dot_rows_avx2_f16(const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    half_dot_rows_avx2_body(0, codes, n, dim, q, out);
}

TARGET_AVX2_F16C static void half_dot_rows_avx2_bf16(const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    half_dot_rows_avx2_body(1, codes, n, dim, q, out);
}

TARGET_AVX512 INLINE __m512 cvt16(int bf, __m256i h) {
    return bf ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)) : _mm512_cvtph_ps(h);
}

#define LOAD16(p) _mm256_loadu_si256((const __m256i *)(p))

// One row at a time, four accumulators across its dimensions (64 a step), then the rest 16 at a
// time into the first, the masked tail into the second: the order dot_rows_avx512 sums in.
TARGET_AVX512 INLINE void half_dot_rows_avx512_body(int bf, const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    size_t vec = dim & ~(size_t)15, vec4 = dim & ~(size_t)63, rest = dim - vec;
    __mmask16 tail = (__mmask16)((1u << rest) - 1);
    __m512 qt = _mm512_maskz_loadu_ps(tail, q + vec);
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        size_t c = 0;
        for (; c < vec4; c += 64) {
            a0 = _mm512_fmadd_ps(cvt16(bf, LOAD16(r + c)), _mm512_loadu_ps(q + c), a0);
            a1 = _mm512_fmadd_ps(cvt16(bf, LOAD16(r + c + 16)), _mm512_loadu_ps(q + c + 16), a1);
            a2 = _mm512_fmadd_ps(cvt16(bf, LOAD16(r + c + 32)), _mm512_loadu_ps(q + c + 32), a2);
            a3 = _mm512_fmadd_ps(cvt16(bf, LOAD16(r + c + 48)), _mm512_loadu_ps(q + c + 48), a3);
        }
        for (; c < vec; c += 16) a0 = _mm512_fmadd_ps(cvt16(bf, LOAD16(r + c)), _mm512_loadu_ps(q + c), a0);
        if (rest) a1 = _mm512_fmadd_ps(cvt16(bf, _mm256_maskz_loadu_epi16(tail, r + vec)), qt, a1);
        out[i] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
    }
}

// Four queries against each row, summed in exactly the one-query order (so a batch chooses what
// each query alone does): a row's codes are loaded and converted once for the four.
TARGET_AVX512 INLINE void half_dot_rows_x4_avx512_body(int bf, const uint16_t *codes, size_t n, size_t dim, const float *const *q, float *out, size_t ldo) {
    size_t vec = dim & ~(size_t)15, vec4 = dim & ~(size_t)63, rest = dim - vec;
    __mmask16 tail = (__mmask16)((1u << rest) - 1);
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        __m512 a[4][4];
        for (int j = 0; j < 4; j++) for (int l = 0; l < 4; l++) a[j][l] = _mm512_setzero_ps();
        size_t c = 0;
        for (; c < vec4; c += 64) {
            __m512 x0 = cvt16(bf, LOAD16(r + c)), x1 = cvt16(bf, LOAD16(r + c + 16));
            __m512 x2 = cvt16(bf, LOAD16(r + c + 32)), x3 = cvt16(bf, LOAD16(r + c + 48));
            for (int j = 0; j < 4; j++) {
                const float *qj = q[j] + c;
                a[j][0] = _mm512_fmadd_ps(x0, _mm512_loadu_ps(qj), a[j][0]);
                a[j][1] = _mm512_fmadd_ps(x1, _mm512_loadu_ps(qj + 16), a[j][1]);
                a[j][2] = _mm512_fmadd_ps(x2, _mm512_loadu_ps(qj + 32), a[j][2]);
                a[j][3] = _mm512_fmadd_ps(x3, _mm512_loadu_ps(qj + 48), a[j][3]);
            }
        }
        for (; c < vec; c += 16) {
            __m512 x = cvt16(bf, LOAD16(r + c));
            for (int j = 0; j < 4; j++) a[j][0] = _mm512_fmadd_ps(x, _mm512_loadu_ps(q[j] + c), a[j][0]);
        }
        if (rest) {
            __m512 x = cvt16(bf, _mm256_maskz_loadu_epi16(tail, r + vec));
            for (int j = 0; j < 4; j++) a[j][1] = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(tail, q[j] + vec), a[j][1]);
        }
        for (int j = 0; j < 4; j++)
            out[j * ldo + i] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[j][0], a[j][1]), _mm512_add_ps(a[j][2], a[j][3])));
    }
}

TARGET_AVX512 static void half_dot_rows_avx512_f16(const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    half_dot_rows_avx512_body(0, codes, n, dim, q, out);
}

TARGET_AVX512 static void half_dot_rows_avx512_bf16(const uint16_t *codes, size_t n, size_t dim, const float *q, float *out) {
    half_dot_rows_avx512_body(1, codes, n, dim, q, out);
}

TARGET_AVX512 static void half_dot_rows_x4_avx512_f16(const uint16_t *codes, size_t n, size_t dim, const float *const *q, float *out, size_t ldo) {
    half_dot_rows_x4_avx512_body(0, codes, n, dim, q, out, ldo);
}

TARGET_AVX512 static void half_dot_rows_x4_avx512_bf16(const uint16_t *codes, size_t n, size_t dim, const float *const *q, float *out, size_t ldo) {
    half_dot_rows_x4_avx512_body(1, codes, n, dim, q, out, ldo);
}

// AVX-512 BF16: vdpbf16ps multiplies 32 bfloat16 codes by 32 bfloat16 query values and adds each
// pair into a float32 lane (twice the products of an FMA, and the codes need no conversion). The
// query is rounded to bfloat16 first; the scores only choose candidates, rescored exactly.
#define BH(v) ((__m512bh)(v))
#define LOAD32(p) _mm512_loadu_si512((const void *)(p))

// One row at a time, four accumulators across its dimensions (128 a step), the rest 32 at a time
// into the first, the masked tail into the second.
TARGET_AVX512_BF16 static void bf16_dp_rows(const uint16_t *codes, size_t n, size_t dim, const uint16_t *qb, float *out) {
    size_t vec = dim & ~(size_t)31, vec4 = dim & ~(size_t)127, rest = dim - vec;
    __mmask32 tail = (__mmask32)((1ull << rest) - 1);
    __m512i qt = _mm512_maskz_loadu_epi16(tail, qb + vec);
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        size_t c = 0;
        for (; c < vec4; c += 128) {
            a0 = _mm512_dpbf16_ps(a0, BH(LOAD32(r + c)), BH(LOAD32(qb + c)));
            a1 = _mm512_dpbf16_ps(a1, BH(LOAD32(r + c + 32)), BH(LOAD32(qb + c + 32)));
            a2 = _mm512_dpbf16_ps(a2, BH(LOAD32(r + c + 64)), BH(LOAD32(qb + c + 64)));
            a3 = _mm512_dpbf16_ps(a3, BH(LOAD32(r + c + 96)), BH(LOAD32(qb + c + 96)));
        }
        for (; c < vec; c += 32) a0 = _mm512_dpbf16_ps(a0, BH(LOAD32(r + c)), BH(LOAD32(qb + c)));
        if (rest) a1 = _mm512_dpbf16_ps(a1, BH(_mm512_maskz_loadu_epi16(tail, r + vec)), BH(qt));
        out[i] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
    }
}

// Four queries against each row, in the one-query order: a row's codes are loaded once for the four.
TARGET_AVX512_BF16 static void bf16_dp_rows_x4(const uint16_t *codes, size_t n, size_t dim, const uint16_t *const *qb, float *out, size_t ldo) {
    size_t vec = dim & ~(size_t)31, vec4 = dim & ~(size_t)127, rest = dim - vec;
    __mmask32 tail = (__mmask32)((1ull << rest) - 1);
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = codes + i * dim;
        __m512 a[4][4];
        for (int j = 0; j < 4; j++) for (int l = 0; l < 4; l++) a[j][l] = _mm512_setzero_ps();
        size_t c = 0;
        for (; c < vec4; c += 128) {
            __m512i x0 = LOAD32(r + c), x1 = LOAD32(r + c + 32), x2 = LOAD32(r + c + 64), x3 = LOAD32(r + c + 96);
            for (int j = 0; j < 4; j++) {
                const uint16_t *qj = qb[j] + c;
                a[j][0] = _mm512_dpbf16_ps(a[j][0], BH(x0), BH(LOAD32(qj)));
                a[j][1] = _mm512_dpbf16_ps(a[j][1], BH(x1), BH(LOAD32(qj + 32)));
                a[j][2] = _mm512_dpbf16_ps(a[j][2], BH(x2), BH(LOAD32(qj + 64)));
                a[j][3] = _mm512_dpbf16_ps(a[j][3], BH(x3), BH(LOAD32(qj + 96)));
            }
        }
        for (; c < vec; c += 32) {
            __m512i x = LOAD32(r + c);
            for (int j = 0; j < 4; j++) a[j][0] = _mm512_dpbf16_ps(a[j][0], BH(x), BH(LOAD32(qb[j] + c)));
        }
        if (rest) {
            __m512i x = _mm512_maskz_loadu_epi16(tail, r + vec);
            for (int j = 0; j < 4; j++) a[j][1] = _mm512_dpbf16_ps(a[j][1], BH(x), BH(_mm512_maskz_loadu_epi16(tail, qb[j] + vec)));
        }
        for (int j = 0; j < 4; j++)
            out[j * ldo + i] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[j][0], a[j][1]), _mm512_add_ps(a[j][2], a[j][3])));
    }
}
#endif

INLINE int bf16_scored(int path, int format) {
#if LR_X86
    return path >= LR_HALF_PATH_AVX512_BF16 && format == LR_HALF_BF16;
#else
    (void)path, (void)format;
    return 0;
#endif
}

size_t lr_half_query_bytes(int path, int format) { return bf16_scored(path, format) ? 2 : 4; }

void lr_half_prepare_query(int path, int format, const float *q, size_t n, void *dst) {
    if (bf16_scored(path, format)) lr_half_encode(LR_HALF_BF16, q, n, (uint16_t *)dst);
    else memcpy(dst, q, n * sizeof(float));
}

void lr_half_dot_rows(int path, int format, const uint16_t *codes, size_t n, size_t dim, const void *q, float *out) {
    int bf = format == LR_HALF_BF16;
    const float *qf = (const float *)q;
#if LR_X86
    if (bf16_scored(path, format)) { bf16_dp_rows(codes, n, dim, (const uint16_t *)q, out); return; }
    if (path >= LR_HALF_PATH_AVX512) { (bf ? half_dot_rows_avx512_bf16 : half_dot_rows_avx512_f16)(codes, n, dim, qf, out); return; }
    if (path >= LR_HALF_PATH_AVX2) { (bf ? half_dot_rows_avx2_bf16 : half_dot_rows_avx2_f16)(codes, n, dim, qf, out); return; }
#endif
    half_dot_rows_plain(format, codes, n, dim, qf, out);
}

void lr_half_dot_rows_x4(int path, int format, const uint16_t *codes, size_t n, size_t dim, const void *const q[4], float *out, size_t ldo) {
#if LR_X86
    if (bf16_scored(path, format)) {
        bf16_dp_rows_x4(codes, n, dim, (const uint16_t *const *)q, out, ldo);
        return;
    }
    if (path >= LR_HALF_PATH_AVX512) {
        (format == LR_HALF_BF16 ? half_dot_rows_x4_avx512_bf16 : half_dot_rows_x4_avx512_f16)(codes, n, dim, (const float *const *)q, out, ldo);
        return;
    }
#endif
    for (int j = 0; j < 4; j++) lr_half_dot_rows(path, format, codes, n, dim, q[j], out + j * ldo);
}
