/*
 * noop.c - an empty LD_PRELOAD object: the control for nofilter.c, so
 * that "with the filter" and "without" both pay for one preloaded
 * shared object.  Benchmark only.
 */
int smtpipe_bench_noop;
