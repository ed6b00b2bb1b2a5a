// kernels.c: the kernels of SIMDKernels.h, each compiled three times (plain, AVX2+FMA, AVX-512) and dispatched by path.
#include "SIMDKernels.h"

#include <math.h>

#include "targets.h"

// ---- dot products of many rows with one vector --------------------------------------------

static void dot_rows_plain(const float *rows, size_t n, size_t dim, const float *q, float *out) {
    for (size_t i = 0; i < n; i++) {
        const float *r = rows + i * dim;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        size_t c = 0;
        for (; c + 4 <= dim; c += 4) {
            s0 += r[c] * q[c]; s1 += r[c + 1] * q[c + 1]; s2 += r[c + 2] * q[c + 2]; s3 += r[c + 3] * q[c + 3];
        }
        for (; c < dim; c++) s0 += r[c] * q[c];
        out[i] = (s0 + s1) + (s2 + s3);
    }
}

#if LR_X86
TARGET_AVX2 INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* One row at a time, four accumulators across its dimensions, as the AVX-512 kernel below (why
 * there): four interleaved rows streamed at half the speed. */
TARGET_AVX2 static void dot_rows_avx2(const float *rows, size_t n, size_t dim, const float *q, float *out) {
    size_t vec = dim & ~(size_t)7, vec4 = dim & ~(size_t)31;
    for (size_t i = 0; i < n; i++) {
        const float *r = rows + i * dim;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        size_t c = 0;
        for (; c < vec4; c += 32) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r + c), _mm256_loadu_ps(q + c), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r + c + 8), _mm256_loadu_ps(q + c + 8), a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r + c + 16), _mm256_loadu_ps(q + c + 16), a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r + c + 24), _mm256_loadu_ps(q + c + 24), a3);
        }
        for (; c < vec; c += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r + c), _mm256_loadu_ps(q + c), a0);
        float t = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
        for (; c < dim; c++) t += r[c] * q[c];
        out[i] = t;
    }
}

/* One row at a time, with four accumulators across its dimensions. Interleaving four rows (one
 * accumulator each) streamed half as fast on Zen 4 (12 GB/s against 21-23 GB/s for this loop, one
 * core, 1.5 GB of rows, measured 2026-12-04): the single-query scan is bound by how fast the rows
 * stream, so the order the bytes are read in is what matters. */
TARGET_AVX512 static void dot_rows_avx512(const float *rows, size_t n, size_t dim, const float *q, float *out) {
    size_t vec = dim & ~(size_t)15, vec4 = dim & ~(size_t)63;
    size_t rest = dim - vec;
    __mmask16 tail = (__mmask16)((1u << rest) - 1);
    __m512 qt = _mm512_maskz_loadu_ps(tail, q + vec);
    for (size_t i = 0; i < n; i++) {
        const float *r = rows + i * dim;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        size_t c = 0;
        for (; c < vec4; c += 64) {
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r + c), _mm512_loadu_ps(q + c), a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r + c + 16), _mm512_loadu_ps(q + c + 16), a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(r + c + 32), _mm512_loadu_ps(q + c + 32), a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(r + c + 48), _mm512_loadu_ps(q + c + 48), a3);
        }
        for (; c < vec; c += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r + c), _mm512_loadu_ps(q + c), a0);
        if (rest) a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r + vec), qt, a1);
        out[i] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
    }
}
#endif

void lr_dot_rows(int path, const float *rows, size_t n, size_t dim, const float *q, float *out) {
#if LR_X86
    if (path >= LR_PATH_AVX512) { dot_rows_avx512(rows, n, dim, q, out); return; }
    if (path >= LR_PATH_AVX2) { dot_rows_avx2(rows, n, dim, q, out); return; }
#endif
    dot_rows_plain(rows, n, dim, q, out);
}

// ---- bias + exact GELU -------------------------------------------------------------------------
// erf is Eigen's generic_fast_erf_float rational approximation (the one the Swift encoder used);
// the loop has no branches, so each target's autovectoriser widens it to its own registers.

INLINE void bias_gelu_body(float *x, size_t rows, size_t cols, const float *bias) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        if (bias) for (size_t c = 0; c < cols; c++) row[c] += bias[c];
        for (size_t c = 0; c < cols; c++) {
            float v = row[c];
            float t = v * 0.70710678118654752f;
            t = t < -4.f ? -4.f : (t > 4.f ? 4.f : t);
            float t2 = t * t;
            float p = t2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
            p = p * t2 + -2.10102402082508e-06f;
            p = p * t2 + -5.69250639462346e-05f;
            p = p * t2 + -7.34990630326855e-04f;
            p = p * t2 + -2.95459980854025e-03f;
            p = p * t2 + -1.60960333262415e-02f;
            p = p * t;
            float qq = t2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
            qq = qq * t2 + -1.68282697438203e-03f;
            qq = qq * t2 + -7.37332916720468e-03f;
            qq = qq * t2 + -1.42647390514189e-02f;
            row[c] = 0.5f * v * (1.f + p / qq);
        }
    }
}

static void bias_gelu_plain(float *x, size_t rows, size_t cols, const float *bias) { bias_gelu_body(x, rows, cols, bias); }
#if LR_X86
TARGET_AVX2 static void bias_gelu_avx2(float *x, size_t rows, size_t cols, const float *bias) { bias_gelu_body(x, rows, cols, bias); }
TARGET_AVX512 static void bias_gelu_avx512(float *x, size_t rows, size_t cols, const float *bias) { bias_gelu_body(x, rows, cols, bias); }
#endif

void lr_bias_gelu(int path, float *x, size_t rows, size_t cols, const float *bias) {
#if LR_X86
    if (path >= LR_PATH_AVX512) { bias_gelu_avx512(x, rows, cols, bias); return; }
    if (path >= LR_PATH_AVX2) { bias_gelu_avx2(x, rows, cols, bias); return; }
#endif
    bias_gelu_plain(x, rows, cols, bias);
}

// ---- bias + residual + LayerNorm ----------------------------------------------------------------
// Sums go into 16 independent lanes (a fixed-width inner loop the autovectoriser maps onto one
// AVX-512 or two AVX2 registers), then into one total.

#define LANES 16

INLINE void layernorm_body(float *x, size_t rows, size_t cols, const float *bias, const float *residual,
                           const float *gamma, const float *beta, float eps) {
    const float n = (float)cols;
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        const float *res = residual ? residual + r * cols : 0;
        if (bias) for (size_t c = 0; c < cols; c++) row[c] += bias[c];
        if (res) for (size_t c = 0; c < cols; c++) row[c] += res[c];
        float lane[LANES] = {0};
        size_t vec = cols - cols % LANES, c = 0;
        for (; c < vec; c += LANES)
            for (size_t l = 0; l < LANES; l++) lane[l] += row[c + l];
        float sum = 0;
        for (; c < cols; c++) sum += row[c];
        for (size_t l = 0; l < LANES; l++) sum += lane[l];
        const float mean = sum / n;
        float sq[LANES] = {0};
        for (c = 0; c < vec; c += LANES)
            for (size_t l = 0; l < LANES; l++) { float d = row[c + l] - mean; sq[l] += d * d; }
        float var = 0;
        for (; c < cols; c++) { float d = row[c] - mean; var += d * d; }
        for (size_t l = 0; l < LANES; l++) var += sq[l];
        const float inv = 1.f / sqrtf(var / n + eps);
        for (c = 0; c < cols; c++) row[c] = (row[c] - mean) * inv * gamma[c] + beta[c];
    }
}

static void layernorm_plain(float *x, size_t rows, size_t cols, const float *bias, const float *residual,
                            const float *gamma, const float *beta, float eps) {
    layernorm_body(x, rows, cols, bias, residual, gamma, beta, eps);
}
#if LR_X86
TARGET_AVX2 static void layernorm_avx2(float *x, size_t rows, size_t cols, const float *bias, const float *residual,
                                       const float *gamma, const float *beta, float eps) {
    layernorm_body(x, rows, cols, bias, residual, gamma, beta, eps);
}
TARGET_AVX512 static void layernorm_avx512(float *x, size_t rows, size_t cols, const float *bias, const float *residual,
                                           const float *gamma, const float *beta, float eps) {
    layernorm_body(x, rows, cols, bias, residual, gamma, beta, eps);
}
#endif

void lr_bias_residual_layernorm(int path, float *x, size_t rows, size_t cols, const float *bias,
                                const float *residual, const float *gamma, const float *beta, float eps) {
#if LR_X86
    if (path >= LR_PATH_AVX512) { layernorm_avx512(x, rows, cols, bias, residual, gamma, beta, eps); return; }
    if (path >= LR_PATH_AVX2) { layernorm_avx2(x, rows, cols, bias, residual, gamma, beta, eps); return; }
#endif
    layernorm_plain(x, rows, cols, bias, residual, gamma, beta, eps);
}

// ---- exp and fused attention ------------------------------------------------------------------
// exp(x) = 2^m · e^r with x = m·ln2 + r, |r| <= ln2/2: a degree-6 polynomial for e^r (Cephes'
// expf coefficients) and 2^m built in the exponent bits. Branch-free, so it vectorises.

INLINE float exp_approx(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    float m = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - m * 0.693359375f;
    r = r - m * -2.12194440e-4f;
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r + 1.f;
    int bits = ((int)m + 127) << 23;
    float scale;
    __builtin_memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

INLINE void exp_body(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = exp_approx(x[i]);
}

INLINE void attention_body(const float *q, const float *k, const float *v, size_t ld, size_t n, size_t d,
                           float scale, const float *rel, float *out, size_t ldo, float *scratch) {
    // K transposed into [d x n], so a query's scores are one vector loop over the tokens.
    float *kt = scratch, *s = scratch + n * d;
    for (size_t j = 0; j < n; j++)
        for (size_t c = 0; c < d; c++) kt[c * n + j] = k[j * ld + c];
    for (size_t i = 0; i < n; i++) {
        const float *qi = q + i * ld;
        for (size_t j = 0; j < n; j++) s[j] = 0;
        for (size_t c = 0; c < d; c++) {
            const float qc = qi[c] * scale;
            const float *row = kt + c * n;
            for (size_t j = 0; j < n; j++) s[j] += qc * row[j];
        }
        if (rel) {
            const float *ri = rel + (n - 1) - i;
            for (size_t j = 0; j < n; j++) s[j] += ri[j];
        }
        float m = s[0];
        for (size_t j = 1; j < n; j++) m = s[j] > m ? s[j] : m;
        for (size_t j = 0; j < n; j++) s[j] = exp_approx(s[j] - m);
        float lane[LANES] = {0};
        size_t vec = n - n % LANES, j = 0;
        for (; j < vec; j += LANES)
            for (size_t l = 0; l < LANES; l++) lane[l] += s[j + l];
        float total = 0;
        for (; j < n; j++) total += s[j];
        for (size_t l = 0; l < LANES; l++) total += lane[l];
        const float inv = 1.f / total;
        float *oi = out + i * ldo;
        for (size_t c = 0; c < d; c++) oi[c] = 0;
        for (size_t j = 0; j < n; j++) {
            const float p = s[j] * inv;
            const float *vj = v + j * ld;
            for (size_t c = 0; c < d; c++) oi[c] += p * vj[c];
        }
    }
}

static void exp_plain(float *x, size_t n) { exp_body(x, n); }
static void attention_plain(const float *q, const float *k, const float *v, size_t ld, size_t n, size_t d,
                            float scale, const float *rel, float *out, size_t ldo, float *scratch) {
    // Two inlined copies: BERT's (no bias) keeps the loops it had before MPNet.
    if (rel) attention_body(q, k, v, ld, n, d, scale, rel, out, ldo, scratch);
    else attention_body(q, k, v, ld, n, d, scale, NULL, out, ldo, scratch);
}
#if LR_X86
TARGET_AVX2 static void exp_avx2(float *x, size_t n) { exp_body(x, n); }
TARGET_AVX512 static void exp_avx512(float *x, size_t n) { exp_body(x, n); }
TARGET_AVX2 static void attention_avx2(const float *q, const float *k, const float *v, size_t ld, size_t n, size_t d,
                                       float scale, const float *rel, float *out, size_t ldo, float *scratch) {
    // Two inlined copies: BERT's (no bias) keeps the loops it had before MPNet.
    if (rel) attention_body(q, k, v, ld, n, d, scale, rel, out, ldo, scratch);
    else attention_body(q, k, v, ld, n, d, scale, NULL, out, ldo, scratch);
}
TARGET_AVX512 static void attention_avx512(const float *q, const float *k, const float *v, size_t ld, size_t n, size_t d,
                                           float scale, const float *rel, float *out, size_t ldo, float *scratch) {
    // Two inlined copies: BERT's (no bias) keeps the loops it had before MPNet.
    if (rel) attention_body(q, k, v, ld, n, d, scale, rel, out, ldo, scratch);
    else attention_body(q, k, v, ld, n, d, scale, NULL, out, ldo, scratch);
}
#endif

#if LR_X86
// exp_approx's steps on 16 lanes (the same constants; fused multiply-adds in the polynomial).
TARGET_AVX512 INLINE __m512 exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    const __m512 m = _mm512_roundscale_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f)),
                                          _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(m, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(m, _mm512_set1_ps(-2.12194440e-4f), r);
    const __m512 r2 = _mm512_mul_ps(r, r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, r2, _mm512_add_ps(r, _mm512_set1_ps(1.f)));
    const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(m), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
}

// One query's scores against up to four vectors of 16 tokens (`blocks`, a constant where inlined):
// each head dimension's scaled query value broadcast once for the blocks, two chains per block
// (even and odd dimensions).
TARGET_AVX512 INLINE void scores16(size_t blocks, const float *qs, const float *kt, size_t np, size_t d, float *s) {
    __m512 e[4], o[4];
    for (size_t b = 0; b < blocks; b++) { e[b] = _mm512_setzero_ps(); o[b] = _mm512_setzero_ps(); }
    for (size_t c = 0; c < d; c += 2) {
        const __m512 q0 = _mm512_set1_ps(qs[c]), q1 = _mm512_set1_ps(qs[c + 1]);
        const float *r0 = kt + c * np, *r1 = r0 + np;
        for (size_t b = 0; b < blocks; b++) {
            e[b] = _mm512_fmadd_ps(q0, _mm512_loadu_ps(r0 + 16 * b), e[b]);
            o[b] = _mm512_fmadd_ps(q1, _mm512_loadu_ps(r1 + 16 * b), o[b]);
        }
    }
    for (size_t b = 0; b < blocks; b++) _mm512_storeu_ps(s + 16 * b, _mm512_add_ps(e[b], o[b]));
}

// A query's context: `Σ_j p[j] v_j` over `n` tokens into `dv` vectors of 16 (a constant where
// inlined), two chains over the tokens (even and odd).
TARGET_AVX512 INLINE void context16(size_t dv, const float *p, const float *v, size_t ld, size_t n, float *out) {
    __m512 o0[8], o1[8];
    for (size_t t = 0; t < dv; t++) { o0[t] = _mm512_setzero_ps(); o1[t] = _mm512_setzero_ps(); }
    size_t j = 0;
    for (; j + 2 <= n; j += 2) {
        const __m512 p0 = _mm512_set1_ps(p[j]), p1 = _mm512_set1_ps(p[j + 1]);
        const float *v0 = v + j * ld, *v1 = v0 + ld;
        for (size_t t = 0; t < dv; t++) {
            o0[t] = _mm512_fmadd_ps(p0, _mm512_loadu_ps(v0 + 16 * t), o0[t]);
            o1[t] = _mm512_fmadd_ps(p1, _mm512_loadu_ps(v1 + 16 * t), o1[t]);
        }
    }
    if (j < n) {
        const __m512 p0 = _mm512_set1_ps(p[j]);
        for (size_t t = 0; t < dv; t++) o0[t] = _mm512_fmadd_ps(p0, _mm512_loadu_ps(v + j * ld + 16 * t), o0[t]);
    }
    for (size_t t = 0; t < dv; t++) _mm512_storeu_ps(out + 16 * t, _mm512_add_ps(o0[t], o1[t]));
}

// Head sizes a multiple of 16 up to 128 (MiniLM's 32, MPNet's and BERT-base's 64), explicitly
// vectorised: K transposed with rows padded to whole vectors of tokens, each query's scores 16
// tokens a vector (two chains over the head's dimensions), the softmax on whole vectors (the last
// one masked), the context in d/16 registers per chain, two chains over the tokens. The loops
// above leave the autovectoriser a scalar tail of every score row and a chain per context column.
TARGET_AVX512 static void attention_avx512_heads16(const float *q, const float *k, const float *v, size_t ld, size_t n,
                                                   size_t d, float scale, const float *rel, float *out, size_t ldo,
                                                   float *scratch) {
    const size_t np = (n + 15) & ~(size_t)15, blocks = np / 16, dv = d / 16;
    const __mmask16 last = (__mmask16)(n % 16 ? (1u << (n % 16)) - 1 : 0xffffu);
    float *kt = scratch, *s = scratch + d * np;
    for (size_t c = 0; c < d; c++) {
        float *row = kt + c * np;
        for (size_t j = 0; j < n; j++) row[j] = k[j * ld + c];
        for (size_t j = n; j < np; j++) row[j] = 0;
    }
    float qs[128] __attribute__((aligned(64)));   // the query row times scale
    for (size_t i = 0; i < n; i++) {
        const float *qi = q + i * ld;
        for (size_t t = 0; t < dv; t++) _mm512_store_ps(qs + 16 * t, _mm512_mul_ps(_mm512_loadu_ps(qi + 16 * t), _mm512_set1_ps(scale)));
        switch (blocks) {
        case 1: scores16(1, qs, kt, np, d, s); break;
        case 2: scores16(2, qs, kt, np, d, s); break;
        case 3: scores16(3, qs, kt, np, d, s); break;
        case 4: scores16(4, qs, kt, np, d, s); break;
        default:
            for (size_t b = 0; b < blocks; b += 4) scores16(blocks - b < 4 ? blocks - b : 4, qs, kt + 16 * b, np, d, s + 16 * b);
        }
        __m512 best = _mm512_set1_ps(-INFINITY);
        for (size_t b = 0; b < blocks; b++) {
            __m512 sc = _mm512_loadu_ps(s + 16 * b);
            const __mmask16 lanes = b + 1 == blocks ? last : 0xffffu;
            if (rel) {
                sc = _mm512_add_ps(sc, _mm512_maskz_loadu_ps(lanes, rel + (n - 1) - i + 16 * b));
                _mm512_storeu_ps(s + 16 * b, sc);
            }
            best = _mm512_mask_max_ps(best, lanes, best, sc);
        }
        const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(best));
        __m512 sum = _mm512_setzero_ps();
        for (size_t b = 0; b < blocks; b++) {
            const __mmask16 lanes = b + 1 == blocks ? last : 0xffffu;
            const __m512 e = _mm512_maskz_mov_ps(lanes, exp16(_mm512_sub_ps(_mm512_loadu_ps(s + 16 * b), m)));
            _mm512_storeu_ps(s + 16 * b, e);
            sum = _mm512_add_ps(sum, e);
        }
        const __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(sum));
        for (size_t b = 0; b < blocks; b++) _mm512_storeu_ps(s + 16 * b, _mm512_mul_ps(_mm512_loadu_ps(s + 16 * b), inv));
        float *oi = out + i * ldo;
        switch (dv) {
        case 1: context16(1, s, v, ld, n, oi); break;
        case 2: context16(2, s, v, ld, n, oi); break;
        case 4: context16(4, s, v, ld, n, oi); break;
        default: context16(dv, s, v, ld, n, oi); break;
        }
    }
}
#endif

void lr_exp(int path, float *x, size_t n) {
#if LR_X86
    if (path >= LR_PATH_AVX512) { exp_avx512(x, n); return; }
    if (path >= LR_PATH_AVX2) { exp_avx2(x, n); return; }
#endif
    exp_plain(x, n);
}

void lr_attention_head(int path, const float *q, const float *k, const float *v, size_t ld, size_t n, size_t d,
                       float scale, const float *rel, float *out, size_t ldo, float *scratch) {
    if (n == 0) return;
#if LR_X86
    if (path >= LR_PATH_AVX512 && d % 16 == 0 && d <= 128) {
        attention_avx512_heads16(q, k, v, ld, n, d, scale, rel, out, ldo, scratch);
        return;
    }
    if (path >= LR_PATH_AVX512) { attention_avx512(q, k, v, ld, n, d, scale, rel, out, ldo, scratch); return; }
    if (path >= LR_PATH_AVX2) { attention_avx2(q, k, v, ld, n, d, scale, rel, out, ldo, scratch); return; }
#endif
    attention_plain(q, k, v, ld, n, d, scale, rel, out, ldo, scratch);
}

// ---- arg max of each row, and the runner-up ----------------------------------------------------
// Per lane a running maximum, the index where it was first reached (strict >, so each lane keeps
// its earliest) and the largest value seen besides it (max(second, min(v, best)): the value a new
// maximum displaces, or v itself); then the largest lane value and, among the lanes holding it, the
// smallest index; the runner-up is the largest of the other lanes' maxima and every lane's second.

static void argmax_plain(const float *s, size_t m, size_t n, size_t ld, int32_t *index, float *value, float *second) {
    for (size_t r = 0; r < m; r++) {
        const float *row = s + r * ld;
        float best = -__builtin_inff(), next = -__builtin_inff();
        int32_t at = -1;
        for (size_t j = 0; j < n; j++) {
            if (row[j] > best) { next = best; best = row[j]; at = (int32_t)j; }
            else if (row[j] > next) next = row[j];
        }
        index[r] = at;
        value[r] = best;
        if (second) second[r] = next;
    }
}

// The runner-up from per-lane maxima `lanes` (winner at lane `w`, or none when w < 0) and seconds.
static float runner_up(const float *lanes, const float *seconds, int count, int w) {
    float next = -__builtin_inff();
    for (int l = 0; l < count; l++) {
        if (l != w && lanes[l] > next) next = lanes[l];
        if (seconds[l] > next) next = seconds[l];
    }
    return next;
}

#if LR_X86
TARGET_AVX2 static void argmax_avx2(const float *s, size_t m, size_t n, size_t ld, int32_t *index, float *value, float *second) {
    const size_t vec = n & ~(size_t)7;
    for (size_t r = 0; r < m; r++) {
        const float *row = s + r * ld;
        __m256 best = _mm256_set1_ps(-__builtin_inff());
        __m256 next = best;
        __m256i at = _mm256_set1_epi32(-1);
        __m256i j = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i step = _mm256_set1_epi32(8);
        for (size_t c = 0; c < vec; c += 8) {
            __m256 v = _mm256_loadu_ps(row + c);
            __m256 gt = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
            if (second) next = _mm256_max_ps(next, _mm256_min_ps(v, best));
            best = _mm256_blendv_ps(best, v, gt);
            at = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(at), _mm256_castsi256_ps(j), gt));
            j = _mm256_add_epi32(j, step);
        }
        float lanes[8], seconds[8];
        int32_t idx[8];
        _mm256_storeu_ps(lanes, best);
        _mm256_storeu_ps(seconds, next);
        _mm256_storeu_si256((__m256i *)idx, at);
        float b = -__builtin_inff();
        int32_t a = -1;
        int w = -1;
        for (int l = 0; l < 8; l++)
            if (idx[l] >= 0 && (lanes[l] > b || (lanes[l] == b && idx[l] < a))) { b = lanes[l]; a = idx[l]; w = l; }
        float following = second ? runner_up(lanes, seconds, 8, w) : 0;
        for (size_t c = vec; c < n; c++) {
            if (row[c] > b) { following = b; b = row[c]; a = (int32_t)c; }
            else if (row[c] > following) following = row[c];
        }
        index[r] = a;
        value[r] = b;
        if (second) second[r] = following;
    }
}

TARGET_AVX512 static void argmax_avx512(const float *s, size_t m, size_t n, size_t ld, int32_t *index, float *value, float *second) {
    const size_t vec = n & ~(size_t)15;
    const size_t rest = n - vec;
    const __mmask16 tail = (__mmask16)((1u << rest) - 1);
    const __m512 minus_inf = _mm512_set1_ps(-__builtin_inff());
    for (size_t r = 0; r < m; r++) {
        const float *row = s + r * ld;
        __m512 best = minus_inf, next = minus_inf;
        __m512i at = _mm512_set1_epi32(-1);
        __m512i j = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i step = _mm512_set1_epi32(16);
        for (size_t c = 0; c < vec; c += 16) {
            __m512 v = _mm512_loadu_ps(row + c);
            __mmask16 gt = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
            if (second) next = _mm512_max_ps(next, _mm512_min_ps(v, best));
            best = _mm512_mask_mov_ps(best, gt, v);
            at = _mm512_mask_mov_epi32(at, gt, j);
            j = _mm512_add_epi32(j, step);
        }
        if (rest) {
            __m512 v = _mm512_mask_loadu_ps(minus_inf, tail, row + vec);
            __mmask16 gt = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
            if (second) next = _mm512_max_ps(next, _mm512_min_ps(v, best));
            best = _mm512_mask_mov_ps(best, gt, v);
            at = _mm512_mask_mov_epi32(at, gt, j);
        }
        float b = _mm512_reduce_max_ps(best);
        __mmask16 holds = _mm512_cmp_ps_mask(best, _mm512_set1_ps(b), _CMP_EQ_OQ)
                          & _mm512_cmp_epi32_mask(at, _mm512_set1_epi32(0), _MM_CMPINT_NLT);
        int32_t a = holds ? _mm512_mask_reduce_min_epi32(holds, at) : -1;
        index[r] = a;
        value[r] = a >= 0 ? b : -__builtin_inff();
        if (second) {
            float lanes[16], seconds[16];
            int32_t idx[16];
            _mm512_storeu_ps(lanes, best);
            _mm512_storeu_ps(seconds, next);
            _mm512_storeu_si512(idx, at);
            int w = -1;
            for (int l = 0; l < 16 && a >= 0; l++) if (idx[l] == a) { w = l; break; }
            second[r] = runner_up(lanes, seconds, 16, w);
        }
    }
}
#endif

void lr_argmax_rows(int path, const float *s, size_t m, size_t n, size_t ld, int32_t *index, float *value, float *second) {
#if LR_X86
    if (path >= LR_PATH_AVX512) { argmax_avx512(s, m, n, ld, index, value, second); return; }
    if (path >= LR_PATH_AVX2) { argmax_avx2(s, m, n, ld, index, value, second); return; }
#endif
    argmax_plain(s, m, n, ld, index, value, second);
}
