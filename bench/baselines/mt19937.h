/*
 * MT19937 as numpy's legacy RandomState: init_by_array (PsyNeuLink seeds with RandomState([seed])),
 * 53-bit random_sample, and the legacy polar gaussian with its cached second value and glibc's
 * log. The same draws as src-main/random/mt19937.ts and the generated IR.
 */
#ifndef BENCH_MT19937_H
#define BENCH_MT19937_H

#include <math.h>
#include <stdint.h>

#define MT_N 624
#define MT_M 397

typedef struct {
  uint32_t mt[MT_N];
  int pos;
  int has_gauss;
  double gauss;
} mt_state;

static void mt_init_genrand(mt_state *s, uint32_t seed) {
  s->mt[0] = seed;
  for (int i = 1; i < MT_N; i++) s->mt[i] = 1812433253u * (s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) + (uint32_t)i;
  s->pos = MT_N;
  s->has_gauss = 0;
  s->gauss = 0.0;
}

static void mt_init_by_array(mt_state *s, const uint32_t *key, int len) {
  uint32_t *mt = s->mt;
  mt_init_genrand(s, 19650218u);
  int i = 1, j = 0;
  for (int k = MT_N > len ? MT_N : len; k > 0; k--) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
    i++;
    j++;
    if (i >= MT_N) {
      mt[0] = mt[MT_N - 1];
      i = 1;
    }
    if (j >= len) j = 0;
  }
  for (int k = MT_N - 1; k > 0; k--) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
    i++;
    if (i >= MT_N) {
      mt[0] = mt[MT_N - 1];
      i = 1;
    }
  }
  mt[0] = 0x80000000u;
  s->pos = MT_N;
  s->has_gauss = 0;
  s->gauss = 0.0;
}

/* numpy RandomState([seed]) */
static void mt_seed(mt_state *s, uint32_t seed) { mt_init_by_array(s, &seed, 1); }

static void mt_generate(mt_state *s) {
  uint32_t *mt = s->mt;
  int kk;
  uint32_t y;
  for (kk = 0; kk < MT_N - MT_M; kk++) {
    y = (mt[kk] & 0x80000000u) | (mt[kk + 1] & 0x7fffffffu);
    mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
  }
  for (; kk < MT_N - 1; kk++) {
    y = (mt[kk] & 0x80000000u) | (mt[kk + 1] & 0x7fffffffu);
    mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
  }
  y = (mt[MT_N - 1] & 0x80000000u) | (mt[0] & 0x7fffffffu);
  mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
  s->pos = 0;
}

static inline uint32_t mt_genrand(mt_state *s) {
  if (s->pos >= MT_N) mt_generate(s);
  uint32_t y = s->mt[s->pos++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

/* numpy random_sample(): 53 random bits */
static inline double mt_random_sample(mt_state *s) {
  uint32_t a = mt_genrand(s) >> 5, b = mt_genrand(s) >> 6;
  return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

/* numpy legacy standard_normal() (polar method, second value cached) */
static double mt_standard_normal(mt_state *s) {
  if (s->has_gauss) {
    double g = s->gauss;
    s->has_gauss = 0;
    s->gauss = 0.0;
    return g;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * mt_random_sample(s) - 1.0;
    x2 = 2.0 * mt_random_sample(s) - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  double f = sqrt(-2.0 * log(r2) / r2);
  s->has_gauss = 1;
  s->gauss = f * x1;
  return f * x2;
}

static inline double mt_normal(mt_state *s, double loc, double scale) { return loc + scale * mt_standard_normal(s); }

#endif
