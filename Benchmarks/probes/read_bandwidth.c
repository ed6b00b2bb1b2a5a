// read_bandwidth.c: how fast one core streams 1.5 GB (the size of the 1M x 384 base) with AVX-512 loads; the bound of a single-query flat scan.
// Build and run: clang -O2 Benchmarks/probes/read_bandwidth.c -o /tmp/bw && /tmp/bw
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>
__attribute__((target("avx512f"))) float sum(const float *p, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(p + i)); a1 = _mm512_add_ps(a1, _mm512_loadu_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_loadu_ps(p + i + 32)); a3 = _mm512_add_ps(a3, _mm512_loadu_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}
int main() {
  size_t n = 384UL * 1000000;
  float *p = aligned_alloc(64, n * 4); memset(p, 1, n * 4);
  double best = 1e9; float s = 0;
  for (int r = 0; r < 7; r++) {
    struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
    s += sum(p, n);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double t = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9; if (t < best) best = t;
  }
  printf("1.536 GB read: best %.1f ms, %.1f GB/s (%g)\n", best * 1e3, n * 4 / best / 1e9, s);
}
