/* row_stream.c: how fast one core streams 1M x 384 float32 rows through a dot product, by read order
 * (one row at a time or four interleaved, one or four accumulators) and memory (anonymous 4 KiB pages
 * or the mapped base file). Build: gcc -O2 -mavx512f row_stream.c -o row_stream; run: ./row_stream MODE [BASE_FILE]
 * (0: anon, 1 row; 1: anon, 4 rows; 2: file, 1 row; 3: file, 4 rows; 4: anon, 1 row x 4 accumulators;
 * 5: file, 1 row x 4 accumulators). The file is the shared anchors synthetic base_1m.f32. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <immintrin.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void dot4(const float *rows, size_t n, size_t dim, const float *q, float *out) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float *r0 = rows + i * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        for (size_t c = 0; c < dim; c += 16) {
            __m512 qv = _mm512_loadu_ps(q + c);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + c), qv, a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + c), qv, a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + c), qv, a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + c), qv, a3);
        }
        out[i] = _mm512_reduce_add_ps(a0); out[i + 1] = _mm512_reduce_add_ps(a1);
        out[i + 2] = _mm512_reduce_add_ps(a2); out[i + 3] = _mm512_reduce_add_ps(a3);
    }
}
static void dot1(const float *x, size_t n, size_t d, const float *q, float *out){
    for(size_t i=0;i<n;i++){ __m512 a=_mm512_setzero_ps(); const float*row=x+i*d;
      for(size_t j=0;j<d;j+=16) a=_mm512_fmadd_ps(_mm512_loadu_ps(row+j),_mm512_loadu_ps(q+j),a);
      out[i]=_mm512_reduce_add_ps(a);}
}
static void dot1acc(const float *x, size_t n, size_t d, const float *q, float *out){
    size_t vec4 = d & ~(size_t)63;
    for(size_t i=0;i<n;i++){ __m512 a0=_mm512_setzero_ps(),a1=_mm512_setzero_ps(),a2=_mm512_setzero_ps(),a3=_mm512_setzero_ps(); const float*row=x+i*d;
      size_t j=0;
      for(;j<vec4;j+=64){ a0=_mm512_fmadd_ps(_mm512_loadu_ps(row+j),_mm512_loadu_ps(q+j),a0); a1=_mm512_fmadd_ps(_mm512_loadu_ps(row+j+16),_mm512_loadu_ps(q+j+16),a1);
        a2=_mm512_fmadd_ps(_mm512_loadu_ps(row+j+32),_mm512_loadu_ps(q+j+32),a2); a3=_mm512_fmadd_ps(_mm512_loadu_ps(row+j+48),_mm512_loadu_ps(q+j+48),a3);}
      for(;j<d;j+=16) a0=_mm512_fmadd_ps(_mm512_loadu_ps(row+j),_mm512_loadu_ps(q+j),a0);
      out[i]=_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0,a1),_mm512_add_ps(a2,a3)));}
}
int main(int argc,char**argv){
  size_t n=1000000,d=384,bytes=n*d*4; int mode=atoi(argv[1]);
  const float*x;
  if(mode==2||mode==3||mode==5){ int fd=open(argc>2?argv[2]:"/tmp/anchors-data/base_1m.f32",O_RDONLY); if(fd<0){perror("base file");return 1;} x=mmap(0,bytes,PROT_READ,MAP_SHARED,fd,0);}
  else { float*y; posix_memalign((void**)&y,1<<21,bytes); madvise(y,bytes,MADV_NOHUGEPAGE); for(size_t i=0;i<n*d;i++) y[i]=(float)(i%7)*0.1f; x=y;}
  float q[384]; for(int i=0;i<384;i++) q[i]=0.01f*i;
  float *buf=malloc(16384*4); double best=1e9; float s=0;
  for(int r=0;r<5;r++){ double t=now();
    for(size_t b=0;b<n;b+=16384){ size_t bn=n-b<16384?n-b:16384; if(mode==4||mode==5) dot1acc(x+b*d,bn,d,q,buf); else if(mode%2) dot4(x+b*d,bn,d,q,buf); else dot1(x+b*d,bn,d,q,buf); s+=buf[7];}
    t=now()-t; if(t<best)best=t;}
  printf("mode=%d best %.1f ms (%.1f GB/s) checksum %f\n",mode,best*1e3,bytes/best/1e9,s);
}
