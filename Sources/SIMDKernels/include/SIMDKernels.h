// SIMDKernels: the CPU's own features (cpuid) and small kernels compiled per instruction set, picked at run time.
#ifndef LOCALRAG_SIMD_KERNELS_H
#define LOCALRAG_SIMD_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What the CPU supports, read with cpuid (all zero on CPUs other than x86-64).
typedef struct {
    int is_x86;        ///< 1 on x86-64
    int is_intel;      ///< vendor GenuineIntel
    int is_amd;        ///< vendor AuthenticAMD
    int avx2;          ///< AVX2 and the OS saves the YMM state
    int fma;           ///< FMA3
    int avx512;        ///< AVX-512 F, CD, BW, DQ and VL, and the OS saves the ZMM state
    int avx512_vnni;   ///< AVX-512 VNNI (vpdpbusd) on top of `avx512`
    int f16c;          ///< F16C (float16 conversions), with AVX
    int avx512_bf16;   ///< AVX-512 BF16 (vdpbf16ps) on top of `avx512`
} lr_cpu_features;

/// The features of the CPU this process runs on.
lr_cpu_features lr_cpu_detect(void);

/// The CPU's brand string ("Intel(R) Xeon(R) Processor"), or "" when cpuid has none; NUL-terminated in `out`.
void lr_cpu_brand(char *out, size_t capacity);

/// The kernel paths: 0 plain C, 1 AVX2+FMA, 2 AVX-512.
enum { LR_PATH_PLAIN = 0, LR_PATH_AVX2 = 1, LR_PATH_AVX512 = 2 };

/// The best path this CPU runs, unless LOCALRAG_SIMD (plain, avx2, avx512) forces one (never above the
/// CPU's). Reads cpuid and the environment on each call: callers keep the answer (SIMDPath.current).
int lr_simd_path(void);

/// The best path this CPU supports, ignoring LOCALRAG_SIMD.
int lr_simd_best_path(void);

/// The integer kernels' paths: the three above and AVX-512 VNNI.
enum { LR_INT8_PATH_PLAIN = 0, LR_INT8_PATH_AVX2 = 1, LR_INT8_PATH_AVX512 = 2, LR_INT8_PATH_AVX512_VNNI = 3 };

/// The best integer path this CPU runs, under the same LOCALRAG_SIMD cap as `lr_simd_path`
/// (`avx512` allows VNNI; `avx512-novnni` stops below it, and below AVX-512 BF16 for the 16-bit codes).
int lr_int8_path(void);

/// The best integer path this CPU supports, ignoring LOCALRAG_SIMD.
int lr_int8_best_path(void);

/// `out[i] = Σ_c codes[i, c] · q[c]` in int32 for `i` in `0..<n`: 8-bit unsigned codes `[n x dim]`
/// row-major against a signed 8-bit query. Exact on every path for `dim` up to 66,000
/// (255 · 127 · dim stays below 2^31).
void lr_u8_dot_rows(int path, const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out);

/// Four queries at once (`q` holds them one after the other, `dim` bytes each): `out[j * ldo + i]`
/// is `lr_u8_dot_rows`'s value for query `j` and row `i`. VNNI loads each chunk of codes once for
/// the four; the other paths run the one-query kernel four times. Same integers on every path.
void lr_u8_dot_rows_x4(int path, const uint8_t *codes, size_t n, size_t dim, const int8_t *q, int32_t *out, size_t ldo);

/// The 16-bit float code formats: IEEE half precision, bfloat16 (float32's upper half).
enum { LR_HALF_F16 = 0, LR_HALF_BF16 = 1 };

/// `n` floats to 16-bit codes of `format`, rounded to nearest even (overflow to infinity, NaN kept).
void lr_half_encode(int format, const float *src, size_t n, uint16_t *dst);

/// The float32 a code stands for (exact).
float lr_half_decode(int format, uint16_t code);

/// The 16-bit code kernels' paths: plain, AVX2+F16C, AVX-512, and AVX-512 BF16 (bfloat16 codes
/// scored with vdpbf16ps against the query rounded to bfloat16; float16 codes take AVX-512 there).
enum { LR_HALF_PATH_PLAIN = 0, LR_HALF_PATH_AVX2 = 1, LR_HALF_PATH_AVX512 = 2, LR_HALF_PATH_AVX512_BF16 = 3 };

/// The path the 16-bit code kernels take: as `lr_simd_path()` (plain on an AVX2 CPU without
/// F16C), AVX-512 BF16 where the CPU has it unless LOCALRAG_SIMD is `avx512-novnni` or lower.
int lr_half_path(void);

/// The best 16-bit code path this CPU supports, ignoring LOCALRAG_SIMD.
int lr_half_best_path(void);

/// Bytes a query value takes once prepared for `path` and `format`: 2 where the AVX-512 BF16 path
/// scores bfloat16 codes (the query rounded to bfloat16), 4 otherwise (the float32 query).
size_t lr_half_query_bytes(int path, int format);

/// `n` query values prepared for `path` and `format` into `dst` (`n * lr_half_query_bytes` bytes):
/// rounded to bfloat16 to nearest even, or copied. Done once a query, not once a block of rows.
void lr_half_prepare_query(int path, int format, const float *q, size_t n, void *dst);

/// `out[i] = Σ_c decode(codes[i, c]) · q[c]` in float for `i` in `0..<n`: 16-bit codes of `format`
/// `[n x dim]` row-major against a query prepared by `lr_half_prepare_query` for the same path and
/// format. The paths sum in different orders (4, 8 or 16 partial sums), so their results differ by
/// rounding; the BF16 path multiplies two bfloat16 values, summed in float32.
void lr_half_dot_rows(int path, int format, const uint16_t *codes, size_t n, size_t dim, const void *q, float *out);

/// Four prepared queries at once (`q[j]` is query `j`): `out[j * ldo + i]` is `lr_half_dot_rows`'s
/// value for query `j` and row `i`, bit for bit (the same order of sums). AVX-512 loads (and
/// converts) each row's codes once for the four.
void lr_half_dot_rows_x4(int path, int format, const uint16_t *codes, size_t n, size_t dim, const void *const q[4], float *out, size_t ldo);

/// Values `lr_bf16_pack_weights` writes for `W [n x k]`: `ceil(n / 32) * 32 * 2 * ceil(k / 2)`.
size_t lr_bf16_packed_count(size_t n, size_t k);

/// Packs linear weights `W [n x k]` (row-major, y = x·Wᵀ) rounded to bfloat16 for `lr_bf16_gemm`:
/// panels of 32 output columns, each pair of inputs' two weights side by side per column (the
/// operand layout of vdpbf16ps), zero-padded past `n` and an odd `k`. Same layout on every path.
/// Returns -1 when its one row of scratch cannot be allocated, 0 otherwise.
int lr_bf16_pack_weights(const float *w, size_t n, size_t k, uint16_t *packed);

/// Columns `[col_begin, col_end)` of `C[m x n] = A[m x k] · Wᵀ` with A's values rounded to bfloat16
/// (to nearest even) and W packed by `lr_bf16_pack_weights`: products of bfloat16 values summed in
/// float32 (vdpbf16ps on `LR_HALF_PATH_AVX512_BF16`, which flushes subnormals; on the other paths
/// the rounded values decoded and multiplied by `lr_small_gemm` on the matching SIMD path: the same
/// products, summed in another order). Returns -1 when its scratch (A's rounded rows, at most 120
/// at a time, and one decoded panel) cannot be allocated, 0 otherwise.
int lr_bf16_gemm(int path, const float *a, size_t m, size_t k, size_t lda, const uint16_t *packed, size_t n,
                 size_t col_begin, size_t col_end, float *c, size_t ldc);

/// `out[i] = dot(rows[i, :], q)` for `i` in `0..<n`; `rows` is `[n x dim]` row-major.
/// Accumulates in float with 16 (AVX-512), 8 (AVX2) or 4 (plain) partial sums per row.
void lr_dot_rows(int path, const float *rows, size_t n, size_t dim, const float *q, float *out);

/// `x[r, :] = GELU(x[r, :] + bias)` (exact erf GELU, |error| < 5e-7) for `rows` rows of `cols`; `bias` may be NULL.
void lr_bias_gelu(int path, float *x, size_t rows, size_t cols, const float *bias);

/// `x[r, :] = LayerNorm(x[r, :] + bias + residual[r, :]) * gamma + beta` per row (biased variance, as torch);
/// `bias` and `residual` may be NULL.
void lr_bias_residual_layernorm(int path, float *x, size_t rows, size_t cols, const float *bias,
                                const float *residual, const float *gamma, const float *beta, float eps);

/// Self-attention of one sentence for one head: `out[i, :] = Σ_j softmax_j(scale · q_i·k_j + rel[j - i + n - 1]) v_j`
/// for `n` tokens of head size `d`. Rows of q, k and v are `ld` floats apart (the packed QKV
/// layout), rows of out `ldo` apart. `rel`, when not NULL, holds `2n - 1` biases by relative
/// position (MPNet's). `scratch` holds `(n + 16) * (d + 1)` floats. No mask: a packed sentence has no padding.
void lr_attention_head(int path, const float *q, const float *k, const float *v, size_t ld, size_t n, size_t d,
                       float scale, const float *rel, float *out, size_t ldo, float *scratch);

/// `x[i] = exp(x[i])` for `n` values (|relative error| < 3e-7 for x in [-87.3, 88.3]; x is clamped to that range).
void lr_exp(int path, float *x, size_t n);

/// For each of `m` rows of `s` (`n` values, rows `ld` floats apart): the index of its largest
/// value, the first one on ties, and that value; -1 and -inf for a row with no value above -inf
/// (NaN never wins). `second`, when not NULL, gets the largest value at any other index (the
/// maximum again on ties; -inf for fewer than two columns); a NaN may raise it, never lower it.
void lr_argmax_rows(int path, const float *s, size_t m, size_t n, size_t ld, int32_t *index, float *value, float *second);

/// Output columns per panel of packed weights.
#define LR_PACK_PANEL 16

/// Floats `lr_pack_weights` writes for `W [n x k]`: `ceil(n / 16) * 16 * k`.
size_t lr_packed_weights_count(size_t n, size_t k);

/// Packs linear weights `W [n x k]` (row-major, y = x·Wᵀ) for `lr_small_gemm`: Wᵀ in panels of 16
/// output columns, k-major inside a panel, zero-padded past `n`. `packed` holds
/// `lr_packed_weights_count(n, k)` floats (64-byte alignment is best, not required). Same layout on every path.
void lr_pack_weights(const float *w, size_t n, size_t k, float *packed);

/// `C[i, j] = Σ_p A[i, p] · W[j, p]` for `i` in `0..<m`, `j` in `col_begin..<col_end` (clamped to `n`),
/// with `W` packed by `lr_pack_weights`. `c` is the base of the whole `[m x ldc]` C (column j at c + j);
/// only the given columns are written, so threads may each take a column range (multiples of 32
/// keep every AVX-512 tile whole). Float accumulation, no bias; for small m (the weights are read once per call).
void lr_small_gemm(int path, const float *a, size_t m, size_t k, size_t lda, const float *packed, size_t n,
                   size_t col_begin, size_t col_end, float *c, size_t ldc);

#ifdef __cplusplus
}
#endif

#endif
