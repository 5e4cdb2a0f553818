# shellcheck shell=bash
# Sourced by bin/sweep and submit.sh: HotSpot's C2 compile thresholds raised 30-fold for every JVM that runs
# sweeps. bin/sweep puts them on its java line; submit.sh on its own java line when it runs SparkSubmit itself,
# and as spark.driver/executor.defaultJavaOptions for the driver and executors Spark launches.
#
# Why: a sweep runs Spark's, Parquet's and Hadoop's code a few times per run. With the default thresholds
# that code keeps crossing C2's, and C2 compiles (87% of the JIT's time) ran 2-5 s of CPU in every 240-run
# pass even after ten passes, 24-37 s in a fresh JVM's first pass: at local[2] that CPU comes out of the
# runs. Raised 30-fold, only code that is hot for real (the trainer's per-step code, reached within the
# first runs) gets C2; the rest stays at C1. Measured on this project's bench grids (BENCHMARKS.md,
# session 11): the JIT's time per warm pass 0.4-1.8 s instead of 2-5 s, a fresh `sweep run` of the small
# grid at local[2] 10-15% shorter, the trainer's single-run figures unchanged.
# Flags given later on a command line win, so SWEEP_JAVA_OPTS (bin/sweep) or --conf (submit.sh) can set them back.
# shellcheck disable=SC2034  # used by the scripts that source this file
SWEEP_JIT_OPTS=(-XX:Tier4InvocationThreshold=150000 -XX:Tier4MinInvocationThreshold=18000
  -XX:Tier4CompileThreshold=450000 -XX:Tier4BackEdgeThreshold=1200000)
