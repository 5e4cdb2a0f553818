#!/usr/bin/env bash
# Submit a sweep with spark-submit to one target: local, standalone, yarn or k8s.
#
#   cluster-config/submit.sh TARGET GRID.yaml OUT [options] [-- more `sweep run` arguments]
#
#   TARGET   local | standalone | yarn | k8s (spark-defaults: cluster-config/spark-defaults/TARGET.conf)
#   GRID     the grid file (read by the driver; shipped with --files in cluster deploy mode)
#   OUT      where the tables go: file:/..., hdfs://..., s3a://... (yarn and k8s: hdfs: or s3a: only,
#            the driver runs in the cluster); local and standalone also take a plain path
# options
#   --master URL        local[N] (local), spark://HOST:PORT (standalone, required),
#                       k8s://https://HOST:PORT (k8s, required); yarn takes none
#   --jar PATH|URI      the application jar (default: sweep-job/target/sweep-job-*-spark-submit.jar;
#                       k8s: local:///opt/rank-sweep/sweep-job.jar, the image's copy)
#   --properties FILE   spark-defaults file (default: cluster-config/spark-defaults/TARGET.conf)
#   --conf K=V          one more Spark setting (repeatable; wins over the properties file)
#   --secret-file FILE  standalone: the cluster's spark.authenticate.secret, added to a private (0600)
#                       copy of the properties file, never to the command line
#   --image IMAGE       k8s: the container image (built from cluster-config/k8s/Dockerfile)
#   --upload-path URI   k8s: where spark-submit uploads the grid file for the driver pod (s3a:, hdfs:)
#   --spark-home DIR    Spark to launch with (default $SPARK_HOME): DIR/bin/spark-submit, or, for a
#                       SPARK_HOME laid out from Maven's jars (see local-cluster.sh), DIR/jars/*
#   --dry-run           print the command (shell-quoted, one line, on stdout) and run nothing
# Exit codes: 0 done; 2 refused input (the message names the argument and the value); else spark-submit's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONF_DIR="$ROOT/cluster-config"
MAIN_CLASS="org.ranksweep.sweep.cli.SweepMain"
K8S_JAR="local:///opt/rank-sweep/sweep-job.jar"
# shellcheck source=SCRIPTDIR/spark-java-opens.sh
source "$CONF_DIR/spark-java-opens.sh"
# shellcheck source=SCRIPTDIR/jit-options.sh
source "$CONF_DIR/jit-options.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; }
refuse() { echo "submit.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; } && { usage; exit 0; }
[ $# -ge 3 ] || { usage; refuse "expected TARGET GRID OUT, got $# argument(s)"; }
TARGET="$1" GRID="$2" OUT="$3"
shift 3
MASTER="" JAR="" PROPS="" SECRET_FILE="" IMAGE="" UPLOAD="" DRY=0
SPARK_DIR="${SPARK_HOME:-}"
CONFS=() RUN_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --master|--jar|--properties|--conf|--secret-file|--image|--upload-path|--spark-home)
      [ $# -ge 2 ] || refuse "$1 needs a value"
      case "$1" in
        --master) MASTER="$2" ;; --jar) JAR="$2" ;; --properties) PROPS="$2" ;;
        --secret-file) SECRET_FILE="$2" ;; --image) IMAGE="$2" ;; --upload-path) UPLOAD="$2" ;;
        --spark-home) SPARK_DIR="$2" ;;
        --conf) [[ "$2" =~ ^spark\.[A-Za-z0-9_.-]+=.* ]] || refuse "--conf '$2' is not spark.KEY=VALUE"
                CONFS+=(--conf "$2") ;;
      esac
      shift 2 ;;
    --dry-run) DRY=1; shift ;;
    --) shift; RUN_ARGS=("$@"); break ;;
    *) refuse "unknown option '$1' (see --help)" ;;
  esac
done

case "$TARGET" in
  local|standalone|yarn|k8s) ;;
  *) refuse "TARGET '$TARGET' is not one of local, standalone, yarn, k8s" ;;
esac
if ! { [ -f "$GRID" ] && [ -r "$GRID" ]; }; then refuse "GRID '$GRID' is not a readable file"; fi
GRID="$(cd "$(dirname "$GRID")" && pwd)/$(basename "$GRID")"

# OUT: a URI the driver can write. In cluster deploy mode (yarn, k8s) the driver runs on some node of
# the cluster, so a local path would scatter the tables over machines or lose them with the pod.
case "$OUT" in
  hdfs://*|hdfs:/*|s3a://*) ;;
  file:/*) [ "$TARGET" = local ] || [ "$TARGET" = standalone ] \
             || refuse "OUT '$OUT' is a local file: URI; target $TARGET needs hdfs: or s3a: (the driver runs in the cluster)" ;;
  *://*|[a-zA-Z]*:*) refuse "OUT '$OUT' has an unsupported scheme; use file:, hdfs: or s3a:" ;;
  "") refuse "OUT '' is empty" ;;
  *) [ "$TARGET" = local ] || [ "$TARGET" = standalone ] \
       || refuse "OUT '$OUT' is a local path; target $TARGET needs an hdfs: or s3a: URI (the driver runs in the cluster)"
     OUT="$(realpath -m "$OUT")" ;;
esac

case "$TARGET" in
  local) MASTER="${MASTER:-local[*]}"
         [[ "$MASTER" =~ ^local(\[([0-9]+|\*)(,[0-9]+)?\])?$ ]] || refuse "--master '$MASTER' is not local, local[N] or local[*]" ;;
  standalone) [ -n "$MASTER" ] || refuse "--master is required for target standalone (spark://HOST:PORT)"
         [[ "$MASTER" =~ ^spark://[^/:]+:[0-9]+(,[^/:]+:[0-9]+)*$ ]] || refuse "--master '$MASTER' is not spark://HOST:PORT" ;;
  yarn)  [ -z "$MASTER" ] || [ "$MASTER" = yarn ] || refuse "--master '$MASTER' does not apply to target yarn (the master is 'yarn'; set HADOOP_CONF_DIR)"
         MASTER=yarn ;;
  k8s)   [ -n "$MASTER" ] || refuse "--master is required for target k8s (k8s://https://HOST:PORT)"
         [[ "$MASTER" =~ ^k8s://https?://[^/]+$ ]] || refuse "--master '$MASTER' is not k8s://https://HOST:PORT"
         [ -n "$IMAGE" ] || refuse "--image is required for target k8s (build it from cluster-config/k8s/Dockerfile)"
         [ -n "$UPLOAD" ] || refuse "--upload-path is required for target k8s (the grid file is uploaded there for the driver pod)"
         [[ "$UPLOAD" =~ ^(s3a|hdfs):// ]] || refuse "--upload-path '$UPLOAD' is not an s3a:// or hdfs:// URI" ;;
esac
[ -z "$SECRET_FILE" ] || [ "$TARGET" = standalone ] || refuse "--secret-file applies to target standalone only (yarn and k8s make one per application)"
[ -z "$IMAGE$UPLOAD" ] || [ "$TARGET" = k8s ] || refuse "--image and --upload-path apply to target k8s only"

PROPS="${PROPS:-$CONF_DIR/spark-defaults/$TARGET.conf}"
[ -f "$PROPS" ] || refuse "--properties '$PROPS' is not a file"

if [ -z "$JAR" ]; then
  if [ "$TARGET" = k8s ]; then
    JAR="$K8S_JAR"
  else
    JAR="$(find "$ROOT/sweep-job/target" -maxdepth 1 -name 'sweep-job-*-spark-submit.jar' 2>/dev/null | head -n 1)"
    JAR="${JAR:-$ROOT/sweep-job/target/sweep-job-0.1.0-SNAPSHOT-spark-submit.jar}"
  fi
fi
case "$JAR" in
  *://*|local:*) ;;
  *) [ "$DRY" = 1 ] || [ -f "$JAR" ] || refuse "--jar '$JAR' does not exist (build it: ./mvnw -B -DskipTests package)" ;;
esac

# The launcher: Spark's spark-submit, or SparkSubmit itself on a Maven-laid SPARK_HOME (jars/ only).
LAUNCH=()
if [ -n "$SPARK_DIR" ] && [ -x "$SPARK_DIR/bin/spark-submit" ]; then
  LAUNCH=("$SPARK_DIR/bin/spark-submit")
elif [ -n "$SPARK_DIR" ] && [ -d "$SPARK_DIR/jars" ]; then
  JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  LAUNCH=("$JAVA" "${SPARK_JAVA_OPENS[@]}" "${SWEEP_JIT_OPTS[@]}" -Xmx"${SUBMIT_DRIVER_HEAP:-4g}"
          -Dlog4j2.configurationFile="$CONF_DIR/log4j2.xml"
          -cp "$SPARK_DIR/conf:$SPARK_DIR/jars/*" org.apache.spark.deploy.SparkSubmit)
elif [ -n "$SPARK_DIR" ]; then
  refuse "--spark-home '$SPARK_DIR' has neither bin/spark-submit nor jars/"
elif command -v spark-submit >/dev/null 2>&1 || [ "$DRY" = 1 ]; then
  LAUNCH=(spark-submit)
else
  refuse "no Spark: set SPARK_HOME or --spark-home (or put spark-submit on PATH)"
fi

# The grid: read from the submitting machine in client mode; shipped beside the driver in cluster mode.
GRID_ARG="$GRID"
FILES=()
case "$TARGET" in
  yarn) FILES=(--files "$GRID"); GRID_ARG="$(basename "$GRID")" ;;
  k8s)  FILES=(--files "$GRID"); GRID_ARG="$(basename "$GRID")"
        CONFS=(--conf "spark.kubernetes.container.image=$IMAGE"
               --conf "spark.kubernetes.executor.podTemplateFile=$CONF_DIR/k8s/executor-pod-template.yaml"
               --conf "spark.kubernetes.file.upload.path=$UPLOAD" "${CONFS[@]}") ;;
esac
DEPLOY=client
if [ "$TARGET" = yarn ] || [ "$TARGET" = k8s ]; then DEPLOY=cluster; fi

# The secret goes into a private copy of the properties file (removed when the driver ends).
PROPS_USED="$PROPS"
TMP=""
if [ -n "$SECRET_FILE" ]; then
  if ! { [ -f "$SECRET_FILE" ] && [ -r "$SECRET_FILE" ]; }; then
    refuse "--secret-file '$SECRET_FILE' is not a readable file"
  fi
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/rank-sweep-submit.XXXXXX")"
  chmod 700 "$TMP"
  PROPS_USED="$TMP/spark-defaults.conf"
  (umask 077; { cat "$PROPS"; printf '\nspark.authenticate.secret %s\n' "$(tr -d '\n' < "$SECRET_FILE")"; } > "$PROPS_USED")
  trap 'rm -rf "$TMP"' EXIT
fi

# The JIT flags (jit-options.sh) for the driver and the executors: Spark puts a defaultJavaOptions key before
# its extraJavaOptions, so the properties file's javacpp settings stay; a later --conf of the key wins.
JIT_CONFS=(--conf "spark.driver.defaultJavaOptions=${SWEEP_JIT_OPTS[*]}"
           --conf "spark.executor.defaultJavaOptions=${SWEEP_JIT_OPTS[*]}")
CMD=("${LAUNCH[@]}" --master "$MASTER" --deploy-mode "$DEPLOY" --name "rank-sweep $(basename "$GRID" .yaml)"
     --properties-file "$PROPS_USED" "${JIT_CONFS[@]}" "${CONFS[@]}" "${FILES[@]}"
     --class "$MAIN_CLASS" "$JAR" run "$GRID_ARG" --out "$OUT" "${RUN_ARGS[@]}")

if [ "$DRY" = 1 ]; then
  printf '%q ' "${CMD[@]}" | sed 's/ $//'
  echo
  exit 0
fi
# one BLAS thread per task slot for the driver too (in local mode the executors are the driver JVM)
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# OpenBLAS's AVX2 kernels on an AVX-512 machine, as bin/sweep (its AVX-512 ones compute DTRMM wrongly)
# shellcheck source=SCRIPTDIR/openblas-kernels.sh
source "$CONF_DIR/openblas-kernels.sh"
{ printf 'submit.sh: running: '; printf '%q ' "${CMD[@]}"; echo; } >&2
if [ -z "$TMP" ]; then
  exec "${CMD[@]}"
fi
# not exec: the trap must remove the secret's copy when the driver ends; signals reach the driver
"${CMD[@]}" &
DRIVER=$!
trap 'kill -TERM "$DRIVER" 2>/dev/null || true' TERM INT
set +e
wait "$DRIVER"; rc=$?
# a trapped signal interrupts wait: wait for the driver itself
while kill -0 "$DRIVER" 2>/dev/null; do wait "$DRIVER"; rc=$?; done
exit "$rc"
