// bf16gemm.c: C = A·Wᵀ in bfloat16 (A rounded as it is read, W packed once as bfloat16 pairs), float32 sums: vdpbf16ps on AVX-512 BF16, the float32 small-M kernel on the decoded values elsewhere.
#include "SIMDKernels.h"

#include <stdlib.h>
#include <string.h>

#include "targets.h"

// ---- packed weights ----------------------------------------------------------------------------
// Wᵀ in panels of 32 output columns; inside a panel, for each pair of inputs (2p, 2p+1), the 32
// columns' two weights side by side: [col 0: w(2p), w(2p+1)], [col 1: ...], ... (64 values, two
// zmm: columns 0-15, then 16-31). vdpbf16ps takes exactly this: each float32 lane adds the products
// of one column's pair with the pair of A broadcast to every lane. Zero past n and past an odd k.

#define BF_PANEL 32

INLINE size_t pairs_of(size_t k) { return (k + 1) / 2; }

size_t lr_bf16_packed_count(size_t n, size_t k) {
    return (n + BF_PANEL - 1) / BF_PANEL * BF_PANEL * 2 * pairs_of(k);
}

int lr_bf16_pack_weights(const float *w, size_t n, size_t k, uint16_t *packed) {
    const size_t kp = pairs_of(k);
    memset(packed, 0, lr_bf16_packed_count(n, k) * sizeof(uint16_t));
    uint16_t *row = malloc((k ? k : 1) * sizeof(uint16_t));   // one row of W rounded, then scattered
    if (!row) return -1;
    for (size_t q = 0; q * BF_PANEL < n; q++) {
        uint16_t *panel = packed + q * BF_PANEL * 2 * kp;
        const size_t cols = n - q * BF_PANEL < BF_PANEL ? n - q * BF_PANEL : BF_PANEL;
        for (size_t j = 0; j < cols; j++) {
            lr_half_encode(LR_HALF_BF16, w + (q * BF_PANEL + j) * k, k, row);
            for (size_t p = 0; p < k; p++) panel[(p / 2) * 2 * BF_PANEL + 2 * j + (p & 1)] = row[p];
        }
    }
    free(row);
    return 0;
}

// A's rows of a chunk rounded to bfloat16, each padded to an even length (`2 * kp` values).
static void round_rows(const float *a, size_t rows, size_t k, size_t lda, uint16_t *dst, size_t kp) {
    for (size_t i = 0; i < rows; i++) {
        lr_half_encode(LR_HALF_BF16, a + i * lda, k, dst + i * 2 * kp);
        if (k & 1) dst[i * 2 * kp + k] = 0;
    }
}

// ---- the product --------------------------------------------------------------------------------
// Rows in chunks (A's bfloat16 copy stays in L2 while the panels stream past), panels outside, row
// blocks inside, each tile summed over all of k in registers. Without AVX-512 BF16 the same
// bfloat16 values are decoded to float32 (exactly) and multiplied by the float32 small-M kernel
// (lr_small_gemm on the path below): the same products, summed in that kernel's order.

// A chunk's rounded rows as float32, and one 32-column panel of W decoded into lr_pack_weights'
// layout (two 16-column panels, k-major), then the float32 kernel on it.
static void bf16_gemm_via_float(int simd_path, const uint16_t *ab, size_t m, size_t kp, const uint16_t *packed,
                                size_t col_begin, size_t col_end, float *c, size_t ldc, float *af, float *panel) {
    const size_t k2 = 2 * kp;
    for (size_t i = 0; i < m * k2; i++) af[i] = lr_half_decode(LR_HALF_BF16, ab[i]);
    for (size_t q = col_begin / BF_PANEL; q * BF_PANEL < col_end; q++) {
        const size_t base = q * BF_PANEL;
        const size_t lo = col_begin > base ? col_begin - base : 0, hi = col_end - base < BF_PANEL ? col_end - base : BF_PANEL;
        const uint16_t *b = packed + q * BF_PANEL * 2 * kp;
        for (size_t p = 0; p < k2; p++)
            for (size_t j = 0; j < BF_PANEL; j++)
                panel[(j / LR_PACK_PANEL) * LR_PACK_PANEL * k2 + p * LR_PACK_PANEL + j % LR_PACK_PANEL] =
                    lr_half_decode(LR_HALF_BF16, b[(p / 2) * 2 * BF_PANEL + 2 * j + (p & 1)]);
        lr_small_gemm(simd_path, af, m, k2, k2, panel, BF_PANEL, lo, hi, c + base, ldc);
    }
}

#if LR_X86
#define BF_MR 12

// round_rows with vcvtneps2bf16 (to nearest even; it flushes subnormal floats to zero, which
// vdpbf16ps does to subnormal bfloat16 inputs anyway, so the products are the same).
TARGET_AVX512_BF16 static void round_rows_bf16(const float *a, size_t rows, size_t k, size_t lda, uint16_t *dst, size_t kp) {
    const size_t vec = k & ~(size_t)15;
    const __mmask16 tail = (__mmask16)((1u << (k - vec)) - 1);
    for (size_t i = 0; i < rows; i++) {
        const float *ar = a + i * lda;
        uint16_t *d = dst + i * 2 * kp;
        for (size_t c = 0; c < vec; c += 16) _mm256_storeu_si256((__m256i *)(d + c), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(ar + c)));
        if (tail) _mm256_mask_storeu_epi16(d + vec, tail, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(tail, ar + vec)));
        if (k & 1) d[k] = 0;
    }
}

// One tile: up to 12 rows by 32 columns (24 accumulators), one A pair broadcast per row and step.
TARGET_AVX512_BF16 INLINE void tile_bf16(size_t mr, const uint16_t *ab, size_t kp, const uint16_t *b, float *c, size_t ldc,
                                         __mmask16 m0, __mmask16 m1) {
    __m512 c0[BF_MR], c1[BF_MR];
#pragma GCC unroll 12
    for (size_t i = 0; i < mr; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (size_t p = 0; p < kp; p++) {
        const __m512bh w0 = (__m512bh)_mm512_loadu_si512((const void *)(b + p * 64));
        const __m512bh w1 = (__m512bh)_mm512_loadu_si512((const void *)(b + p * 64 + 32));
#pragma GCC unroll 12
        for (size_t i = 0; i < mr; i++) {
            int pair;   // the row's two bfloat16 values at 2p, 2p + 1 as one 32-bit lane
            memcpy(&pair, ab + i * 2 * kp + 2 * p, sizeof pair);
            const __m512bh av = (__m512bh)_mm512_set1_epi32(pair);
            c0[i] = _mm512_dpbf16_ps(c0[i], av, w0);
            c1[i] = _mm512_dpbf16_ps(c1[i], av, w1);
        }
    }
#pragma GCC unroll 12
    for (size_t i = 0; i < mr; i++) {
        _mm512_mask_storeu_ps(c + i * ldc, m0, c0[i]);
        _mm512_mask_storeu_ps(c + i * ldc + 16, m1, c1[i]);
    }
}

TARGET_AVX512_BF16 static void bf16_gemm_avx512(const uint16_t *ab, size_t m, size_t kp, const uint16_t *packed,
                                                size_t col_begin, size_t col_end, float *c, size_t ldc) {
    const size_t blocks = (m + BF_MR - 1) / BF_MR;
    for (size_t q = col_begin / BF_PANEL; q * BF_PANEL < col_end; q++) {
        const size_t base = q * BF_PANEL;
        const size_t lo = col_begin > base ? col_begin - base : 0, hi = col_end - base;   // hi may exceed 32
        const __mmask16 m0 = lane_mask(lo, hi), m1 = hi > 16 ? lane_mask(lo > 16 ? lo - 16 : 0, hi - 16) : 0;
        const uint16_t *b = packed + q * BF_PANEL * 2 * kp;
        for (size_t r = 0; r < blocks; r++) {
            const size_t r0 = r * m / blocks, r1 = (r + 1) * m / blocks;
            const uint16_t *ar = ab + r0 * 2 * kp;
            float *cr = c + r0 * ldc + base;
            switch (r1 - r0) {
            case 1: tile_bf16(1, ar, kp, b, cr, ldc, m0, m1); break;
            case 2: tile_bf16(2, ar, kp, b, cr, ldc, m0, m1); break;
            case 3: tile_bf16(3, ar, kp, b, cr, ldc, m0, m1); break;
            case 4: tile_bf16(4, ar, kp, b, cr, ldc, m0, m1); break;
            case 5: tile_bf16(5, ar, kp, b, cr, ldc, m0, m1); break;
            case 6: tile_bf16(6, ar, kp, b, cr, ldc, m0, m1); break;
            case 7: tile_bf16(7, ar, kp, b, cr, ldc, m0, m1); break;
            case 8: tile_bf16(8, ar, kp, b, cr, ldc, m0, m1); break;
            case 9: tile_bf16(9, ar, kp, b, cr, ldc, m0, m1); break;
            case 10: tile_bf16(10, ar, kp, b, cr, ldc, m0, m1); break;
            case 11: tile_bf16(11, ar, kp, b, cr, ldc, m0, m1); break;
            default: tile_bf16(12, ar, kp, b, cr, ldc, m0, m1); break;
            }
        }
    }
}
#endif

#define BF_CHUNK 120   // rows of A rounded at a time: 120 x 1536 bfloat16 = 360 KiB

INLINE void *scratch(size_t bytes) { return aligned_alloc(64, (bytes + 63) / 64 * 64); }

int lr_bf16_gemm(int path, const float *a, size_t m, size_t k, size_t lda, const uint16_t *packed, size_t n,
                 size_t col_begin, size_t col_end, float *c, size_t ldc) {
    if (col_end > n) col_end = n;
    if (m == 0 || col_begin >= col_end) return 0;
    const size_t kp = pairs_of(k);
    const size_t chunk = m < BF_CHUNK ? m : BF_CHUNK;
    const int native = LR_X86 && path >= LR_HALF_PATH_AVX512_BF16;
    const int simd_path = path >= LR_HALF_PATH_AVX512 ? LR_PATH_AVX512 : path >= LR_HALF_PATH_AVX2 ? LR_PATH_AVX2 : LR_PATH_PLAIN;
    uint16_t *ab = kp ? scratch(chunk * 2 * kp * sizeof(uint16_t)) : NULL;
    float *af = kp && !native ? scratch(chunk * 2 * kp * sizeof(float)) : NULL;
    float *panel = kp && !native ? scratch(BF_PANEL * 2 * kp * sizeof(float)) : NULL;
    if (kp && (!ab || (!native && (!af || !panel)))) {
        free(ab), free(af), free(panel);
        return -1;
    }
    for (size_t r = 0; r < m; r += chunk) {
        const size_t rows = m - r < chunk ? m - r : chunk;
        float *cr = c + r * ldc;
        if (!kp) {
            for (size_t i = 0; i < rows; i++)
                for (size_t j = col_begin; j < col_end; j++) cr[i * ldc + j] = 0;
            continue;
        }
#if LR_X86
        if (native) {
            round_rows_bf16(a + r * lda, rows, k, lda, ab, kp);
            bf16_gemm_avx512(ab, rows, kp, packed, col_begin, col_end, cr, ldc);
            continue;
        }
#endif
        round_rows(a + r * lda, rows, k, lda, ab, kp);
        bf16_gemm_via_float(simd_path, ab, rows, kp, packed, col_begin, col_end, cr, ldc, af, panel);
    }
    free(ab), free(af), free(panel);
    return 0;
}
