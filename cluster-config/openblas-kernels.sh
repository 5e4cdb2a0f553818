# shellcheck shell=bash
# Sourced by bin/sweep and submit.sh before they start a JVM that trains. ND4J's OpenBLAS 0.3.19 computes DTRMM
# wrongly with its AVX-512 (SkylakeX) kernels, which it picks on Intel AVX-512 CPUs (BlasCheck refuses to train on
# them): on an AVX-512 machine it takes its AVX2 kernels instead, unless OPENBLAS_CORETYPE is already set. The
# cluster configurations set the same for every executor (spark-defaults/*.conf, the pod template, the image).
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=Haswell
fi
