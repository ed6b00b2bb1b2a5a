// smallgemm.c: C = A·Wᵀ for few rows of A, over linear weights W [n x k] packed once into column panels.
// The same per-path variants and dispatch as kernels.c (targets.h); declarations in SIMDKernels.h.
#include "SIMDKernels.h"

#include <string.h>

#include "targets.h"


// ---- packed weights ----------------------------------------------------------------------------
// Wᵀ in panels of LR_PACK_PANEL (16) output columns: panel q holds columns 16q..16q+15, K-major
// (for each p in 0..<k, the 16 weights W[16q + j, p]), zero-padded past n. One layout for every
// path: a 16-float row is one zmm or two ymm, and the AVX-512 kernel walks two panels side by side.

size_t lr_packed_weights_count(size_t n, size_t k) {
    return (n + LR_PACK_PANEL - 1) / LR_PACK_PANEL * LR_PACK_PANEL * k;
}

void lr_pack_weights(const float *w, size_t n, size_t k, float *packed) {
    const size_t P = LR_PACK_PANEL;
    for (size_t q = 0; q * P < n; q++) {
        float *panel = packed + q * P * k;
        size_t cols = n - q * P < P ? n - q * P : P;
        if (cols < P) memset(panel, 0, P * k * sizeof(float));
        // Blocks of 16 rows of W by 64 inputs keep both sides in L1 while transposing.
        for (size_t p0 = 0; p0 < k; p0 += 64) {
            size_t p1 = p0 + 64 < k ? p0 + 64 : k;
            for (size_t j = 0; j < cols; j++) {
                const float *row = w + (q * P + j) * k;
                for (size_t p = p0; p < p1; p++) panel[p * P + j] = row[p];
            }
        }
    }
}

// ---- the product --------------------------------------------------------------------------------
// Columns [col_begin, col_end) of C = A·Wᵀ; tiles of whole panels, the first and last masked.
// Loop order: tiles outside, row blocks inside, so each panel comes from memory once per call and
// from L1/L2 for the other row blocks. Each tile accumulates over all of k in registers (float).

// Rows of A cut into `blocks` near-equal blocks of at most `mr_max` (11 rows: one block of 11, not 8+3).
INLINE size_t row_blocks(size_t m, size_t mr_max) { return (m + mr_max - 1) / mr_max; }

// Plain C: one panel (16 columns) by up to 4 rows; the 16-wide inner loops autovectorise (SSE).
#define PL_MR 4
INLINE void tile_plain(size_t mr, const float *a, size_t lda, size_t k, const float *b, float *c, size_t ldc,
                       size_t lo, size_t hi) {
    float acc[PL_MR][16];
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < 16; j++) acc[i][j] = 0;
    for (size_t p = 0; p < k; p++) {
        const float *bp = b + p * 16;
        for (size_t i = 0; i < mr; i++) {
            const float av = a[i * lda + p];
            for (size_t j = 0; j < 16; j++) acc[i][j] += av * bp[j];
        }
    }
    for (size_t i = 0; i < mr; i++)
        for (size_t j = lo; j < hi; j++) c[i * ldc + j] = acc[i][j];
}

static void small_gemm_plain(const float *a, size_t m, size_t k, size_t lda, const float *packed,
                             size_t col_begin, size_t col_end, float *c, size_t ldc) {
    const size_t P = LR_PACK_PANEL;
    const size_t blocks = row_blocks(m, PL_MR);
    for (size_t q = col_begin / P; q * P < col_end; q++) {
        const size_t base = q * P;
        const size_t lo = col_begin > base ? col_begin - base : 0;
        const size_t hi = col_end - base < P ? col_end - base : P;
        const float *b = packed + q * P * k;
        for (size_t r = 0; r < blocks; r++) {
            size_t r0 = r * m / blocks, r1 = (r + 1) * m / blocks;
            const float *ar = a + r0 * lda;
            float *cr = c + r0 * ldc + base;
            switch (r1 - r0) {
            case 1: tile_plain(1, ar, lda, k, b, cr, ldc, lo, hi); break;
            case 2: tile_plain(2, ar, lda, k, b, cr, ldc, lo, hi); break;
            case 3: tile_plain(3, ar, lda, k, b, cr, ldc, lo, hi); break;
            default: tile_plain(4, ar, lda, k, b, cr, ldc, lo, hi); break;
            }
        }
    }
}

#if LR_X86
// AVX2+FMA: one panel (two ymm) by up to 6 rows: 12 accumulators, 2 weight registers, 1 broadcast.
#define A2_MR 6
TARGET_AVX2 INLINE void tile_avx2(size_t mr, const float *a, size_t lda, size_t k, const float *b, float *c, size_t ldc,
                                  size_t lo, size_t hi) {
    __m256 c0[A2_MR], c1[A2_MR];
#pragma GCC unroll 6
    for (size_t i = 0; i < mr; i++) { c0[i] = _mm256_setzero_ps(); c1[i] = _mm256_setzero_ps(); }
    for (size_t p = 0; p < k; p++) {
        const __m256 w0 = _mm256_loadu_ps(b + p * 16), w1 = _mm256_loadu_ps(b + p * 16 + 8);
#pragma GCC unroll 6
        for (size_t i = 0; i < mr; i++) {
            const __m256 av = _mm256_broadcast_ss(a + i * lda + p);
            c0[i] = _mm256_fmadd_ps(av, w0, c0[i]);
            c1[i] = _mm256_fmadd_ps(av, w1, c1[i]);
        }
    }
    if (lo == 0 && hi == 16) {
#pragma GCC unroll 6
        for (size_t i = 0; i < mr; i++) { _mm256_storeu_ps(c + i * ldc, c0[i]); _mm256_storeu_ps(c + i * ldc + 8, c1[i]); }
    } else {
        for (size_t i = 0; i < mr; i++) {
            float t[16];
            _mm256_storeu_ps(t, c0[i]);
            _mm256_storeu_ps(t + 8, c1[i]);
            for (size_t j = lo; j < hi; j++) c[i * ldc + j] = t[j];
        }
    }
}

TARGET_AVX2 static void small_gemm_avx2(const float *a, size_t m, size_t k, size_t lda, const float *packed,
                                        size_t col_begin, size_t col_end, float *c, size_t ldc) {
    const size_t P = LR_PACK_PANEL;
    const size_t blocks = row_blocks(m, A2_MR);
    for (size_t q = col_begin / P; q * P < col_end; q++) {
        const size_t base = q * P;
        const size_t lo = col_begin > base ? col_begin - base : 0;
        const size_t hi = col_end - base < P ? col_end - base : P;
        const float *b = packed + q * P * k;
        for (size_t r = 0; r < blocks; r++) {
            size_t r0 = r * m / blocks, r1 = (r + 1) * m / blocks;
            const float *ar = a + r0 * lda;
            float *cr = c + r0 * ldc + base;
            switch (r1 - r0) {
            case 1: tile_avx2(1, ar, lda, k, b, cr, ldc, lo, hi); break;
            case 2: tile_avx2(2, ar, lda, k, b, cr, ldc, lo, hi); break;
            case 3: tile_avx2(3, ar, lda, k, b, cr, ldc, lo, hi); break;
            case 4: tile_avx2(4, ar, lda, k, b, cr, ldc, lo, hi); break;
            case 5: tile_avx2(5, ar, lda, k, b, cr, ldc, lo, hi); break;
            default: tile_avx2(6, ar, lda, k, b, cr, ldc, lo, hi); break;
            }
        }
    }
}

// AVX-512: two panels (32 columns, two zmm) by up to 12 rows: 24 accumulators of the 32 registers.
// A lone last panel reuses the first panel's pointer with an empty store mask (no read past the end).
#define A5_MR 12
#ifndef A5_PF
#define A5_PF 16   // prefetch distance in k steps (64 bytes of each panel per step)
#endif
TARGET_AVX512 INLINE void tile_avx512(size_t mr, const float *a, size_t lda, size_t k, const float *b0, const float *b1,
                                      float *c, size_t ldc, __mmask16 m0, __mmask16 m1, int prefetch) {
    __m512 c0[A5_MR], c1[A5_MR];
#pragma GCC unroll 12
    for (size_t i = 0; i < mr; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (size_t p = 0; p < k; p++) {
        if (prefetch) {   // first row block only: the panels come from L3 (5-10% faster per query at M = 11)
            _mm_prefetch((const char *)(b0 + (p + A5_PF) * 16), _MM_HINT_T0);
            _mm_prefetch((const char *)(b1 + (p + A5_PF) * 16), _MM_HINT_T0);
        }
        const __m512 w0 = _mm512_loadu_ps(b0 + p * 16), w1 = _mm512_loadu_ps(b1 + p * 16);
#pragma GCC unroll 12
        for (size_t i = 0; i < mr; i++) {
            const __m512 av = _mm512_set1_ps(a[i * lda + p]);
            c0[i] = _mm512_fmadd_ps(av, w0, c0[i]);
            c1[i] = _mm512_fmadd_ps(av, w1, c1[i]);
        }
    }
#pragma GCC unroll 12
    for (size_t i = 0; i < mr; i++) {
        _mm512_mask_storeu_ps(c + i * ldc, m0, c0[i]);
        _mm512_mask_storeu_ps(c + i * ldc + 16, m1, c1[i]);
    }
}

TARGET_AVX512 static void small_gemm_avx512(const float *a, size_t m, size_t k, size_t lda, const float *packed,
                                            size_t col_begin, size_t col_end, float *c, size_t ldc) {
    const size_t P = LR_PACK_PANEL;
    const size_t blocks = row_blocks(m, A5_MR);
    for (size_t q = col_begin / P; q * P < col_end; q += 2) {
        const size_t base = q * P;
        const size_t lo = col_begin > base ? col_begin - base : 0;
        const size_t hi = col_end - base;   // may exceed 32
        const __mmask16 m0 = lane_mask(lo, hi);
        const __mmask16 m1 = hi > P ? lane_mask(lo > P ? lo - P : 0, hi - P) : 0;
        const float *b0 = packed + q * P * k;
        const float *b1 = m1 ? b0 + P * k : b0;
        for (size_t r = 0; r < blocks; r++) {
            size_t r0 = r * m / blocks, r1 = (r + 1) * m / blocks;
            const float *ar = a + r0 * lda;
            float *cr = c + r0 * ldc + base;
            switch (r1 - r0) {
            case 1: tile_avx512(1, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 2: tile_avx512(2, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 3: tile_avx512(3, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 4: tile_avx512(4, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 5: tile_avx512(5, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 6: tile_avx512(6, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 7: tile_avx512(7, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 8: tile_avx512(8, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 9: tile_avx512(9, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 10: tile_avx512(10, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            case 11: tile_avx512(11, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            default: tile_avx512(12, ar, lda, k, b0, b1, cr, ldc, m0, m1, r == 0); break;
            }
        }
    }
}
#endif

void lr_small_gemm(int path, const float *a, size_t m, size_t k, size_t lda, const float *packed, size_t n,
                   size_t col_begin, size_t col_end, float *c, size_t ldc) {
    if (col_end > n) col_end = n;
    if (m == 0 || col_begin >= col_end) return;
    if (k == 0) {
        for (size_t i = 0; i < m; i++)
            for (size_t j = col_begin; j < col_end; j++) c[i * ldc + j] = 0;
        return;
    }
    // Rows in chunks whose A part stays in L2 (at most 120 x 1536 floats = 720 KiB) while the weights
    // stream past it: the weights are read once per chunk, so any m runs, at one pass per 120 rows.
    const size_t chunk = m <= 144 ? m : 120;
    for (size_t r = 0; r < m; r += chunk) {
        const size_t rows = m - r < chunk ? m - r : chunk;
        const float *ar = a + r * lda;
        float *cr = c + r * ldc;
#if LR_X86
        if (path >= LR_PATH_AVX512) { small_gemm_avx512(ar, rows, k, lda, packed, col_begin, col_end, cr, ldc); continue; }
        if (path >= LR_PATH_AVX2) { small_gemm_avx2(ar, rows, k, lda, packed, col_begin, col_end, cr, ldc); continue; }
#endif
        small_gemm_plain(ar, rows, k, lda, packed, col_begin, col_end, cr, ldc);
    }
}
