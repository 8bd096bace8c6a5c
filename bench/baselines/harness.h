/*
 * The timing harness shared by the C baselines. A baseline defines RESULTS_WIDTH,
 * model_init() (every value, integrator state and RNG stream back to its initial state) and
 * model_run(ntrials, results) (the run, writing RESULTS_WIDTH doubles per trial).
 *
 *   ./model NTRIALS REPS RESULTS_FILE
 * runs one untimed warm-up and REPS timed runs, each from model_init(); writes the last run's
 * results (native doubles) to RESULTS_FILE and prints {"seconds": [...], "cpu_seconds": [...]}
 * (wall-clock and process CPU time of each timed run) on stdout.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void model_init(void);
static void model_run(long ntrials, double *results);

static double clock_seconds(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* row += x (a row vector) × m ([nx × nr], row-major); zero inputs are skipped, as in the interpreter */
static inline void add_product(const double *restrict x, int nx, const double *restrict m, double *restrict row, int nr) {
  for (int a = 0; a < nx; a++) {
    const double xa = x[a];
    if (xa == 0.0) continue;
    const double *restrict w = m + (long)a * nr;
    for (int j = 0; j < nr; j++) row[j] += xa * w[j];
  }
}

/* numpy's pairwise summation (np.add.reduce order) */
static double pairwise_sum(const double *a, int n) {
  if (n < 8) {
    double res = -0.0;
    for (int i = 0; i < n; i++) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int k = 0; k < 8; k++) r[k] = a[k];
    int i = 8;
    const int end = n - (n % 8);
    for (; i < end; i += 8)
      for (int k = 0; k < 8; k++) r[k] += a[i + k];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[i];
    return res;
  }
  int n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s NTRIALS REPS RESULTS_FILE\n", argv[0]);
    return 2;
  }
  const long ntrials = atol(argv[1]);
  const int reps = atoi(argv[2]);
  double *results = malloc(sizeof(double) * (size_t)RESULTS_WIDTH * (size_t)(ntrials > 0 ? ntrials : 1));
  double *seconds = malloc(sizeof(double) * (size_t)(reps > 0 ? reps : 1));
  double *cpu = malloc(sizeof(double) * (size_t)(reps > 0 ? reps : 1));
  if (!results || !seconds || !cpu) return 3;
  for (int r = -1; r < reps; r++) {
    model_init();
    const double c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_seconds(CLOCK_MONOTONIC);
    model_run(ntrials, results);
    const double t1 = clock_seconds(CLOCK_MONOTONIC), c1 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    if (r >= 0) {
      seconds[r] = t1 - t0;
      cpu[r] = c1 - c0;
    }
  }
  FILE *f = fopen(argv[3], "wb");
  if (!f || fwrite(results, sizeof(double), (size_t)RESULTS_WIDTH * (size_t)ntrials, f) != (size_t)RESULTS_WIDTH * (size_t)ntrials) return 4;
  fclose(f);
  printf("{\"seconds\": [");
  for (int r = 0; r < reps; r++) printf("%s%.9g", r ? ", " : "", seconds[r]);
  printf("], \"cpu_seconds\": [");
  for (int r = 0; r < reps; r++) printf("%s%.9g", r ? ", " : "", cpu[r]);
  printf("]}\n");
  free(results);
  free(seconds);
  free(cpu);
  return 0;
}

#endif
