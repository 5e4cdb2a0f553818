#!/usr/bin/env bash
# A real Spark standalone cluster on this machine, from the jars Maven already has (no Spark download):
# one master and N workers, each its own JVM on 127.0.0.1, with RPC authentication and encryption on.
#
#   cluster-config/local-cluster.sh run GRID OUT [-- more `sweep run` arguments]   # up, submit, down
#   cluster-config/local-cluster.sh up [--workers N] [--cores C] [--memory M]
#   cluster-config/local-cluster.sh submit GRID OUT [submit.sh options] [-- more `sweep run` arguments]
#   cluster-config/local-cluster.sh status
#   cluster-config/local-cluster.sh down
#
# Every command takes --dir DIR (default $RANK_SWEEP_CLUSTER_DIR, else cluster-config/target/local-cluster):
# DIR/spark-home (jars/ links to Maven's Spark jars, conf/log4j2.xml), DIR/pids/*.pid, DIR/logs,
# DIR/work (the workers' work dirs: executor logs), DIR/events (event logs), DIR/javacpp-cache
# (ND4J's natives, unpacked once before any executor starts: no race between executors, javacpp#608),
# DIR/secret (the cluster's spark.authenticate secret, 0600), DIR/master.url.
# `down` stops every JVM the cluster started (by pid: master, workers, then any executor or driver
# still running from DIR) and waits until they are gone. `run` tears down even when the sweep fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/cluster-config"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck source=SCRIPTDIR/spark-java-opens.sh
source "$HERE/spark-java-opens.sh"

say() { echo "local-cluster: $*" >&2; }
refuse() { echo "local-cluster: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; }
show() { { printf 'local-cluster: running: '; printf '%q ' "$@"; echo; } >&2; }

[ $# -ge 1 ] || { usage; refuse "expected a command: run, up, submit, status or down"; }
CMD="$1"; shift
case "$CMD" in
  run|up|submit|status|down) ;;
  -h|--help) usage; exit 0 ;;
  *) usage; refuse "command '$CMD' is not one of run, up, submit, status, down" ;;
esac

DIR="${RANK_SWEEP_CLUSTER_DIR:-$HERE/target/local-cluster}"
WORKERS=2 CORES=1 MEMORY=2g
POS=() PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir|--workers|--cores|--memory)
      [ $# -ge 2 ] || refuse "$1 needs a value"
      case "$1" in
        --dir) DIR="$2" ;;
        --workers) [[ "$2" =~ ^[1-9][0-9]?$ ]] || refuse "--workers '$2' is not a number from 1 to 99"; WORKERS="$2" ;;
        --cores) [[ "$2" =~ ^[1-9][0-9]*$ ]] || refuse "--cores '$2' is not a positive number"; CORES="$2" ;;
        --memory) [[ "$2" =~ ^[1-9][0-9]*[mg]$ ]] || refuse "--memory '$2' is not like 2g or 1536m"; MEMORY="$2" ;;
      esac
      shift 2 ;;
    --) PASS+=("$@"); break ;;
    --dry-run) PASS+=("$1"); shift ;;
    --*) PASS+=("$1"); [ $# -ge 2 ] && [[ "$2" != --* ]] && { PASS+=("$2"); shift; }; shift ;;
    *) POS+=("$1"); shift ;;
  esac
done
DIR="$(realpath -m "$DIR")"
SH="$DIR/spark-home"

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { cat "$DIR/pids/$1.pid" 2>/dev/null || true; }

# JVMs started from this cluster's folder (executors and drivers have DIR/spark-home on their classpath).
cluster_jvms() {
  local p exe
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    [ "$p" = "$$" ] && continue
    # a process may exit between the glob and the read: the redirection's error is silenced too
    exe="$( { tr '\0' ' ' < "/proc/$p/cmdline"; } 2>/dev/null || true)"
    case "$exe" in
      *java\ *"$SH/"*) echo "$p" ;;
    esac
  done
}

# Master web UI's JSON: how many workers are ALIVE.
alive_workers() {
  local port="$1" body
  body="$( { exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /json/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && timeout 5 cat <&3; } 2>/dev/null || true)"
  { grep -o '"state" *: *"ALIVE"' <<<"$body" || true; } | wc -l
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! { exec 3<>"/dev/tcp/127.0.0.1/$p"; } 2>/dev/null; then echo "$p"; return 0; fi
    exec 3>&-
  done
  return 1
}

need_jars() {
  SPARK_JARS="$HERE/target/spark-jars.txt"
  APP_JAR="$(find "$ROOT/sweep-job/target" -maxdepth 1 -name 'sweep-job-*-spark-submit.jar' 2>/dev/null | head -n 1)"
  if [ ! -f "$SPARK_JARS" ] || [ -z "$APP_JAR" ]; then
    say "building the jars once (./mvnw -B -q -DskipTests package)"
    (cd "$ROOT" && ./mvnw -B -q -DskipTests package >&2)
    APP_JAR="$(find "$ROOT/sweep-job/target" -maxdepth 1 -name 'sweep-job-*-spark-submit.jar' | head -n 1)"
  fi
}

down() {
  local name pid pids left
  for f in "$DIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    pid="$(cat "$f")"; name="$(basename "$f" .pid)"
    if alive "$pid"; then say "stopping $name (pid $pid)"; kill -TERM "$pid" 2>/dev/null || true; fi
  done
  # executors of a worker that was killed, drivers still running against the cluster
  pids="$(cluster_jvms)"
  for pid in $pids; do say "stopping JVM pid $pid (started from $DIR)"; kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    left=""
    for f in "$DIR"/pids/*.pid; do [ -f "$f" ] && alive "$(cat "$f")" && left+=" $(cat "$f")"; done
    left+=" $(cluster_jvms | tr '\n' ' ')"
    [ -z "${left// /}" ] && break
    sleep 0.2
  done
  for pid in $left; do say "pid $pid did not stop: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$DIR"/pids/*.pid "$DIR/master.url"
  say "down"
}

up() {
  need_jars
  # a failure half-way (`run` has its own trap) leaves no daemons behind
  if [ "$CMD" = up ]; then trap 'rc=$?; [ "$rc" -eq 0 ] || { say "up failed (exit $rc): tearing down"; down; }' EXIT; fi
  if [ -f "$DIR/master.url" ] && alive "$(pid_of master)"; then
    refuse "--dir '$DIR' already has a running cluster ($(cat "$DIR/master.url")); run: $0 down --dir $DIR"
  fi
  mkdir -p "$SH/jars" "$SH/conf" "$DIR/pids" "$DIR/logs" "$DIR/work" "$DIR/events" "$DIR/javacpp-cache"
  rm -f "$SH"/jars/*.jar
  local j
  tr ':' '\n' < "$SPARK_JARS" | while read -r j || [ -n "$j" ]; do [ -n "$j" ] && ln -s "$j" "$SH/jars/"; done
  cp "$HERE/log4j2.xml" "$SH/conf/log4j2.xml"
  # the cluster's shared secret (standalone has no per-application secrets) and the daemons' settings
  if [ ! -s "$DIR/secret" ]; then (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$DIR/secret"); fi
  (umask 077; printf 'spark.authenticate true\nspark.authenticate.secret %s\nspark.network.crypto.enabled true\n' \
     "$(cat "$DIR/secret")" > "$DIR/daemon.conf")

  # Unpack ND4J's natives once, before any executor JVM starts (they then only read the cache).
  say "warming the javacpp cache in $DIR/javacpp-cache"
  OMP_NUM_THREADS=1 "$JAVA" -Xmx512m -Dorg.bytedeco.javacpp.cachedir="$DIR/javacpp-cache" \
    -Dlog4j2.configurationFile="$HERE/log4j2.xml" -cp "$APP_JAR:$SH/jars/*" org.ranksweep.sweep.cli.SweepMain \
    train --grid "$ROOT/examples/smoke.yaml" --index 0 > "$DIR/logs/warm-javacpp.log" 2>&1 \
    || { tail -n 30 "$DIR/logs/warm-javacpp.log" >&2; say "could not load ND4J from $APP_JAR"; exit 1; }

  local port ui
  port="$(free_port)"; ui="$(free_port)"
  local cp="$SH/conf:$SH/jars/*"
  local mcmd=("$JAVA" "${SPARK_JAVA_OPENS[@]}" -Xmx512m -cp "$cp" org.apache.spark.deploy.master.Master
              --host 127.0.0.1 --port "$port" --webui-port "$ui" --properties-file "$DIR/daemon.conf")
  show "${mcmd[@]}"
  nohup "${mcmd[@]}" > "$DIR/logs/master.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/master.pid"
  local i
  for i in $(seq 1 "$WORKERS"); do
    mkdir -p "$DIR/work/worker-$i"
    local wcmd=("$JAVA" "${SPARK_JAVA_OPENS[@]}" -Xmx512m -cp "$cp" org.apache.spark.deploy.worker.Worker
                --host 127.0.0.1 --cores "$CORES" --memory "$MEMORY" --webui-port 0
                --work-dir "$DIR/work/worker-$i" --properties-file "$DIR/daemon.conf" "spark://127.0.0.1:$port")
    show "${wcmd[@]}"
    SPARK_HOME="$SH" SPARK_SCALA_VERSION=2.13 SPARK_WORKER_DIR="$DIR/work/worker-$i" \
      nohup "${wcmd[@]}" > "$DIR/logs/worker-$i.log" 2>&1 < /dev/null &
    echo $! > "$DIR/pids/worker-$i.pid"
  done
  local n=0
  for _ in $(seq 1 300); do
    n="$(alive_workers "$ui")"
    [ "$n" -ge "$WORKERS" ] && break
    alive "$(pid_of master)" || break
    sleep 0.3
  done
  if [ "$n" -lt "$WORKERS" ]; then
    tail -n 20 "$DIR/logs/master.log" "$DIR"/logs/worker-*.log >&2 || true
    say "only $n of $WORKERS workers registered; tearing down"
    down
    exit 1
  fi
  echo "spark://127.0.0.1:$port" > "$DIR/master.url"
  echo "$WORKERS $CORES $MEMORY" > "$DIR/shape"
  say "up: spark://127.0.0.1:$port, $WORKERS workers x $CORES core(s), $MEMORY; master UI http://127.0.0.1:$ui"
  say "pids: master $(pid_of master), workers$(for i in $(seq 1 "$WORKERS"); do printf ' %s' "$(pid_of "worker-$i")"; done)"
  echo "spark://127.0.0.1:$port"
}

submit() {
  [ ${#POS[@]} -eq 2 ] || refuse "submit needs GRID and OUT, got ${#POS[@]} argument(s): ${POS[*]:-}"
  if ! { [ -f "$DIR/master.url" ] && alive "$(pid_of master)"; }; then
    refuse "--dir '$DIR' has no running cluster (start one: $0 up)"
  fi
  local master cores memory heap
  master="$(cat "$DIR/master.url")"
  read -r _ cores memory < "$DIR/shape"   # workers, cores and memory per worker
  # An executor per worker using all its cores; the worker's memory = executor heap + off-heap (ND4J).
  case "$memory" in *g) heap="$(( ${memory%g} * 1024 / 2 ))m" ;; *m) heap="$(( ${memory%m} / 2 ))m" ;; esac
  local cmd=("$HERE/submit.sh" standalone "${POS[0]}" "${POS[1]}" --master "$master" --spark-home "$SH"
             --secret-file "$DIR/secret"
             --conf "spark.executor.cores=$cores" --conf "spark.executor.memory=$heap"
             --conf "spark.executor.memoryOverhead=$heap" --conf "spark.driver.host=127.0.0.1"
             --conf "spark.driver.bindAddress=127.0.0.1"
             --conf "spark.eventLog.dir=file://$DIR/events"
             --conf "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.cachedir=$DIR/javacpp-cache -Dorg.bytedeco.javacpp.maxbytes=$heap -Dorg.bytedeco.javacpp.maxphysicalbytes=$memory -Dlog4j2.configurationFile=$HERE/log4j2.xml"
             "${PASS[@]}")
  show "${cmd[@]}"
  SUBMIT_DRIVER_HEAP="${SUBMIT_DRIVER_HEAP:-1g}" exec "${cmd[@]}"
}

status() {
  local f
  [ -f "$DIR/master.url" ] && echo "master: $(cat "$DIR/master.url")"
  for f in "$DIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    if alive "$(cat "$f")"; then echo "$(basename "$f" .pid): pid $(cat "$f") running"; else echo "$(basename "$f" .pid): pid $(cat "$f") gone"; fi
  done
  echo "JVMs from $DIR: $(cluster_jvms | tr '\n' ' ')"
}

case "$CMD" in
  up) [ ${#POS[@]} -eq 0 ] || refuse "up takes no positional arguments, got: ${POS[*]}"; up ;;
  down) down ;;
  status) status ;;
  submit) submit ;;
  run)
    [ ${#POS[@]} -eq 2 ] || refuse "run needs GRID and OUT, got ${#POS[@]} argument(s): ${POS[*]:-}"
    [ -f "${POS[0]}" ] || refuse "GRID '${POS[0]}' is not a file"
    trap down EXIT
    trap 'exit 130' INT TERM
    up > /dev/null
    # a child, not exec: the trap must run after the sweep
    set +e
    ( submit ); rc=$?
    set -e
    exit "$rc" ;;
esac
