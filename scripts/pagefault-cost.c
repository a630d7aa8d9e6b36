/* What a first call pays for fresh memory on this machine: touch 12 MiB
 * (the result arrays of a 1M-sequence packing) of a new anonymous mapping
 * with 4 KiB page faults, with MADV_POPULATE_WRITE, with MADV_HUGEPAGE on
 * a 2 MiB-aligned range, and with both.  Quoted in docs/performance.md.
 * Not part of the build:
 *
 *   gcc -O2 scripts/pagefault-cost.c -o /tmp/pagefault-cost && /tmp/pagefault-cost
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static uint64_t cpu(void){struct timespec ts; clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&ts); return ts.tv_sec*1000000000ull+ts.tv_nsec;}
static uint64_t now(void){struct timespec ts; clock_gettime(CLOCK_MONOTONIC,&ts); return ts.tv_sec*1000000000ull+ts.tv_nsec;}
int main(void){
 size_t sz = 12u<<20, H = 2u<<20;
 const char *names[] = {"4k faults", "populate_write", "hugepage", "hugepage+populate"};
 for (int mode=0; mode<4; mode++) for (int rep=0; rep<3; rep++) {
   uint64_t c0=cpu(), t0=now();
   char *p = mmap(NULL, sz + H, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
   char *a = (char*)(((uintptr_t)p + H - 1) & ~(uintptr_t)(H-1));
   if (mode>=2) madvise(a, sz, MADV_HUGEPAGE);
   if (mode==1||mode==3) madvise(a, sz, MADV_POPULATE_WRITE);
   for (size_t i=0;i<sz;i+=4096) a[i]=1;
   uint64_t c1=cpu(), t1=now();
   printf("%-18s cpu %6.0f us wall %6.0f us\n", names[mode], (c1-c0)/1e3, (t1-t0)/1e3);
   munmap(p, sz+H);
 }
}
