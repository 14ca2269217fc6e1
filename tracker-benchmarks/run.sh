#!/usr/bin/env bash
# seqtrack benchmark runner: starts a Redis topology on loopback, runs the JMH suite and the redis-benchmark EVALSHA
# ceiling against it in the same session, stops what it started, and writes everything to
#   tracker-benchmarks/results/<topology>-<YYYYMMDD-HHMM>/
#     jmh.json          JMH results (-rf json) of the main pass: every benchmark at batchSize 64, one thread
#     jmh-batch.json    redis-async / redis-batch / raw-lettuce advance at batchSize 1, 16, 256 (the depth sweep)
#     jmh-t2.json       advance of every store with two JMH threads (-t 2), batchSize 64, 100 000 aggregates
#     jmh-memory.json   the memory benchmark (single shot; only when it may run, see --uri)
#     memory.csv        layout,aggregates,bytes_per_aggregate,used_before,used_after   (INFO memory)
#     jmh*.log          JMH console output per pass
#     ceiling.csv       pipeline,clients,requests,rps,p50_ms,p99_ms   (redis-benchmark EVALSHA of the advance script,
#                       at every batch size as pipeline depth, with 1 and 2 clients for the 1 and 2 JMH threads)
#     ceiling.txt       the same, human-readable, plus the exact redis-benchmark command lines
#     meta.properties   topology, uri, wait, quick, date, git revision, java, cpus
#
# usage: run.sh standalone|replicated|sentinel|cluster [--uri URI] [--allow-destructive] [--quick]
#
#   --uri URI             benchmark an existing deployment instead of starting one (nothing is started or stopped);
#                         the destructive memory benchmark is excluded unless --allow-destructive is given.
#                         For a cluster pass one seed, e.g. --uri redis://10.0.0.5:7000 with TOPOLOGY=cluster.
#   --allow-destructive   with --uri: also run the memory benchmark (it writes and deletes ~1 000 000 aggregates).
#   --quick               1 warmup + 1 measurement iteration of 1 s, fewer ceiling requests (smoke/CI pass).
#
# environment knobs: SEQTRACK_BENCH_PORT (first port, default random in 20000-31999, 10000-21999 for a cluster),
#   SEQTRACK_BENCH_TIMEOUT (seconds per JMH pass, default 3600; 900 with --quick),
#   SEQTRACK_MEMORY_AGGREGATES (aggregates per memory layout, default 1000000),
#   SEQTRACK_CEILING_CLIENTS (space-separated client counts, default "1 2" = the JMH thread counts),
#   SEQTRACK_CEILING_DEPTHS (space-separated pipeline depths, default "1 16 64 256" = the batch sizes),
#   SEQTRACK_PASSES (JMH passes to run, default "main batch threads memory"),
#   SEQTRACK_JMH_ARGS (extra JMH arguments for the main, batch and threads passes, e.g. "-prof gc"),
#   SEQTRACK_JMH_ITER (forks and iterations instead of the defaults, e.g. "-f 1 -wi 2 -w 1s -i 3 -r 2s"),
#   SEQTRACK_BENCH_JAR (another benchmarks jar; RunnerScriptTest uses a stub),
#   SEQTRACK_RESULTS_DIR (where the results folder goes, default tracker-benchmarks/results).
set -euo pipefail

usage() { sed -n '16,33p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

[[ $# -ge 1 ]] || usage
TOPOLOGY=$1; shift
case "$TOPOLOGY" in standalone|replicated|sentinel|cluster) ;; -h|--help) usage ;; *) echo "unknown topology: $TOPOLOGY" >&2; usage ;; esac
URI=""; ALLOW_DESTRUCTIVE=0; QUICK=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --uri) [[ $# -ge 2 ]] || usage; URI=$2; shift 2 ;;
    --uri=*) URI=${1#--uri=}; shift ;;
    --allow-destructive) ALLOW_DESTRUCTIVE=1; shift ;;
    --quick) QUICK=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
JAR=${SEQTRACK_BENCH_JAR:-$HERE/target/benchmarks.jar}
LUA=$ROOT/tracker-redis/src/main/resources/io/seqtrack/redis/lua
for tool in java redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -f "$JAR" ]] || { echo "missing $JAR; build it: ./mvnw -q -DskipTests -pl tracker-benchmarks -am package" >&2; exit 1; }

STAMP=$(date +%Y%m%d-%H%M)
OUT=${SEQTRACK_RESULTS_DIR:-$HERE/results}/$TOPOLOGY-$STAMP
[[ -e "$OUT" ]] && OUT=$OUT-$$
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/seqtrack-bench.XXXXXX")
PIDFILES=()

log() { echo "[run.sh $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

cleanup() {
  local rc=$?
  for pf in "${PIDFILES[@]:-}"; do
    [[ -n "$pf" && -f "$pf" ]] || continue
    local pid; pid=$(cat "$pf")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  [[ $rc -eq 0 ]] || echo "[run.sh] failed (exit $rc); partial results in $OUT" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# first of N consecutive free ports; with "bus", each port's cluster bus port (port + 10000) must be free too
pick_ports() {
  # ports below the usual ephemeral range (32768+): a client socket there blocks a server's bind; a cluster's bus
  # ports (+10000) too, so a cluster starts from 10000–21999
  local n=$1 bus=${2:-} lo=20000 span=12000 tries=0
  [[ -z "$bus" ]] || lo=10000
  local base=${SEQTRACK_BENCH_PORT:-$((lo + RANDOM % span))}
  while :; do
    local ok=1
    for ((i = 0; i < n; i++)); do
      port_free $((base + i)) || { ok=0; break; }
      [[ -z "$bus" ]] || port_free $((base + i + 10000)) || { ok=0; break; }
    done
    [[ $ok -eq 1 ]] && { echo "$base"; return; }
    tries=$((tries + 1)); [[ $tries -lt 20 ]] || { echo "no free ports" >&2; exit 1; }
    base=$((lo + RANDOM % span))
  done
}

# start_server PORT [redis-server args...]: loopback only, no persistence, daemonized; waits for PING
start_server() {
  local port=$1; shift
  local dir=$TMP/$port; mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes --dir "$dir" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@"
  for _ in $(seq 1 100); do [[ -s "$dir/redis.pid" ]] && break; sleep 0.05; done
  [[ -s "$dir/redis.pid" ]] || { echo "redis-server on $port did not start" >&2; cat "$dir/redis.log" >&2; exit 1; }
  PIDFILES+=("$dir/redis.pid")
  for _ in $(seq 1 100); do
    [[ "$(redis-cli -p "$port" PING 2>/dev/null)" == PONG ]] && return 0; sleep 0.05
  done
  echo "redis-server on $port does not answer" >&2; exit 1
}

# start_sentinel PORT MASTER_PORT: a sentinel watching "mymaster" (its config file must come first: it rewrites it)
start_sentinel() {
  local port=$1 master=$2 dir=$TMP/$1; mkdir -p "$dir"
  printf '%s\n' "port $port" "bind 127.0.0.1" "dir $dir" "daemonize yes" "pidfile $dir/redis.pid" \
    "logfile $dir/redis.log" "sentinel monitor mymaster 127.0.0.1 $master 2" \
    "sentinel down-after-milliseconds mymaster 5000" >"$dir/sentinel.conf"
  redis-server "$dir/sentinel.conf" --sentinel
  for _ in $(seq 1 100); do [[ -s "$dir/redis.pid" ]] && break; sleep 0.05; done
  [[ -s "$dir/redis.pid" ]] || { echo "sentinel on $port did not start" >&2; cat "$dir/redis.log" >&2; exit 1; }
  PIDFILES+=("$dir/redis.pid")
}

wait_for() { # wait_for SECONDS CMD...: polls until CMD succeeds
  local secs=$1; shift
  for _ in $(seq 1 $((secs * 10))); do "$@" && return 0; sleep 0.1; done
  return 1
}

JVM_PROPS=()
CLI=()             # redis-cli / redis-benchmark connection args
CLUSTER=0
MASTERS=()         # host:port of each master (for SCRIPT LOAD)
WAIT=0
AUTH=()
if [[ -n "$URI" ]]; then
  log "targeting existing deployment $URI (nothing started)"
  CLI=(-u "$URI")
  # password from redis://[user:]pass@host:port, for the per-master SCRIPT LOAD in a cluster
  USERINFO=$(echo "$URI" | sed -n 's#^rediss\{0,1\}://\([^@/]*\)@.*#\1#p')
  [[ -n "$USERINFO" ]] && AUTH=(--no-auth-warning -a "${USERINFO#*:}")
  [[ "$TOPOLOGY" == cluster ]] && CLUSTER=1
  [[ "$TOPOLOGY" == replicated ]] && WAIT=1
  JVM_PROPS+=("-Dseqtrack.redis.uri=$URI")
else
  case "$TOPOLOGY" in
    standalone)
      P=$(pick_ports 1); start_server "$P"
      CLI=(-h 127.0.0.1 -p "$P"); URI=redis://127.0.0.1:$P ;;
    replicated)
      P=$(pick_ports 2); start_server "$P"; start_server $((P + 1)) --replicaof 127.0.0.1 "$P"
      wait_for 30 bash -c "redis-cli -p $((P + 1)) INFO replication | grep -q 'master_link_status:up'" \
        || { echo "replica did not sync" >&2; exit 1; }
      CLI=(-h 127.0.0.1 -p "$P"); URI=redis://127.0.0.1:$P; WAIT=1 ;;
    sentinel)
      # a master, a replica and three sentinels; the stores find the master through the sentinels (no WAIT)
      P=$(pick_ports 5); start_server "$P"; start_server $((P + 1)) --replicaof 127.0.0.1 "$P"
      wait_for 30 bash -c "redis-cli -p $((P + 1)) INFO replication | grep -q 'master_link_status:up'" \
        || { echo "replica did not sync" >&2; exit 1; }
      SENTINELS=()
      for ((i = 2; i < 5; i++)); do start_sentinel $((P + i)) "$P"; SENTINELS+=("127.0.0.1:$((P + i))"); done
      wait_for 30 bash -c "redis-cli -p $((P + 2)) SENTINEL master mymaster | grep -A1 '^num-other-sentinels' | grep -qx 2" \
        || { echo "sentinels did not find each other" >&2; exit 1; }
      CLI=(-h 127.0.0.1 -p "$P")
      URI="redis-sentinel://$(IFS=,; echo "${SENTINELS[*]}")#mymaster" ;;
    cluster)
      P=$(pick_ports 6 bus); NODES=()
      for ((i = 0; i < 6; i++)); do
        start_server $((P + i)) --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
        NODES+=("127.0.0.1:$((P + i))")
      done
      redis-cli --cluster create "${NODES[@]}" --cluster-replicas 1 --cluster-yes >"$OUT/cluster-create.log" 2>&1 \
        || { cat "$OUT/cluster-create.log" >&2; exit 1; }
      for ((i = 0; i < 6; i++)); do
        wait_for 30 bash -c "redis-cli -p $((P + i)) CLUSTER INFO | grep -q 'cluster_state:ok'" \
          || { echo "cluster node $((P + i)) not ok" >&2; exit 1; }
      done
      CLI=(-h 127.0.0.1 -p "$P"); CLUSTER=1
      URI=$(printf 'redis://%s,' "${NODES[@]}"); URI=${URI%,} ;;
  esac
  log "started $TOPOLOGY on 127.0.0.1 from port $P"
  JVM_PROPS+=("-Dseqtrack.redis.uri=$URI")
fi
[[ $WAIT -eq 1 ]] && JVM_PROPS+=("-Dseqtrack.redis.wait=1")
[[ $CLUSTER -eq 1 ]] && JVM_PROPS+=("-Dseqtrack.redis.cluster=true")

# ------------------------------------------------------------------------------------------------ meta
{
  echo "topology=$TOPOLOGY"
  echo "uri=$URI"
  echo "started=$([[ -n "${P:-}" ]] && echo yes || echo no)"
  echo "wait=$WAIT"
  echo "quick=$QUICK"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo -dirty)"
  echo "java=$(java -version 2>&1 | head -1 | tr -d '"')"
  echo "redis=$(redis-server --version | awk '{print $3}')"
  echo "cpus=$(nproc)"
  echo "jvm_props=${JVM_PROPS[*]}"
} >"$OUT/meta.properties"
[[ $WAIT -eq 1 ]] && log "replicated: -Dseqtrack.redis.wait=1 passed to the benchmark JVM (a benchmark that ignores it runs without WAIT; see meta.properties)"

# ------------------------------------------------------------------------------------------------ JMH
if [[ $QUICK -eq 1 ]]; then
  JMH_ITER=(-f 1 -wi 1 -w 1s -i 1 -r 1s); TIMEOUT=${SEQTRACK_BENCH_TIMEOUT:-900}
else
  JMH_ITER=(-f 1 -wi 3 -w 2s -i 5 -r 3s); TIMEOUT=${SEQTRACK_BENCH_TIMEOUT:-3600}
fi
# shellcheck disable=SC2206
[[ -n "${SEQTRACK_JMH_ITER:-}" ]] && JMH_ITER=(${SEQTRACK_JMH_ITER})
MEMORY_OK=0
if [[ -n "${P:-}" || $ALLOW_DESTRUCTIVE -eq 1 ]]; then MEMORY_OK=1; else
  log "--uri without --allow-destructive: memory benchmark excluded (-e Memory)"
fi
# shellcheck disable=SC2206
EXTRA=(${SEQTRACK_JMH_ARGS:-})
PASSES=" ${SEQTRACK_PASSES:-main batch threads memory} "
JMH_RC=0
# run_pass NAME JSON LOG [JMH args...]: one JMH invocation; a failure is logged and remembered, the runner goes on
run_pass() {
  local name=$1 json=$2 logf=$3; shift 3
  local cmd=(java -jar "$JAR" "$@" -rf json -rff "$OUT/$json")
  echo "${cmd[*]}" >>"$OUT/jmh.cmd"
  log "JMH $name: ${cmd[*]} (timeout ${TIMEOUT}s)"
  local rc=0
  timeout --kill-after=30 "$TIMEOUT" "${cmd[@]}" >"$OUT/$logf" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "JMH $name exited with $rc (see $logf); continuing"
    grep -q 'Unable to acquire the JMH lock' "$OUT/$logf" 2>/dev/null \
      && log "another JMH run holds /tmp/jmh.lock: wait for it (two runs on one small machine spoil each other's numbers)"
    JMH_RC=$rc
  fi
}
: >"$OUT/jmh.cmd"
PROPS="${JVM_PROPS[*]}"
# main: every benchmark except the memory one, at batch size 64 (the depth the goals are stated at), one thread
[[ "$PASSES" == *" main "* ]] && run_pass main jmh.json jmh.log \
  "${JMH_ITER[@]}" -e Memory -p batchSize=64 -jvmArgsAppend "$PROPS" "${EXTRA[@]}"
# batch: the pipeline-depth sweep of the pipelined stores and their raw-lettuce baseline (64 is in the main pass)
[[ "$PASSES" == *" batch "* ]] && run_pass batch jmh-batch.json jmh-batch.log 'CheckAndAdvanceBenchmark.advance' \
  "${JMH_ITER[@]}" -p store=redis-async,redis-batch,raw-lettuce -p batchSize=1,16,256 -jvmArgsAppend "$PROPS" "${EXTRA[@]}"
# threads: every store's advance with two benchmark threads sharing the store (and its connection)
[[ "$PASSES" == *" threads "* ]] && run_pass threads jmh-t2.json jmh-t2.log 'CheckAndAdvanceBenchmark.advance' \
  "${JMH_ITER[@]}" -t 2 -p batchSize=64 -p aggregates=100000 -jvmArgsAppend "$PROPS" "${EXTRA[@]}"
# memory: single shot per layout, only on a database of our own (or when allowed)
if [[ "$PASSES" == *" memory "* && $MEMORY_OK -eq 1 ]]; then
  MEM_ARGS=()
  [[ -n "${SEQTRACK_MEMORY_AGGREGATES:-}" ]] && MEM_ARGS=(-p "aggregates=$SEQTRACK_MEMORY_AGGREGATES")
  run_pass memory jmh-memory.json jmh-memory.log 'MemoryFootprintBenchmark' -f 1 -wi 0 -i 1 "${MEM_ARGS[@]}" \
    -jvmArgsAppend "$PROPS -Dseqtrack.bench.allowDestructive=true -Dseqtrack.bench.memory.csv=$OUT/memory.csv"
fi

# ------------------------------------------------------------------------------------------------ ceiling
SCRIPT=$(cat "$LUA/common.lua"; echo; cat "$LUA/advance.lua")
if [[ $CLUSTER -eq 1 ]]; then
  # load on every master: the ceiling's keys share one hash tag, but which node owns it is the cluster's business
  mapfile -t MASTERS < <(redis-cli "${CLI[@]}" CLUSTER NODES | awk '$3 ~ /master/ {split($2, a, "@"); print a[1]}')
  [[ ${#MASTERS[@]} -gt 0 ]] || { echo "no cluster masters found" >&2; exit 1; }
  for m in "${MASTERS[@]}"; do
    SHA=$(redis-cli -h "${m%:*}" -p "${m##*:}" "${AUTH[@]}" SCRIPT LOAD "$SCRIPT")
  done
  BENCH_CLI=("${CLI[@]}")
else
  SHA=$(redis-cli "${CLI[@]}" SCRIPT LOAD "$SCRIPT")
  BENCH_CLI=("${CLI[@]}")
fi
[[ "$SHA" =~ ^[0-9a-f]{40}$ ]] || { echo "SCRIPT LOAD failed: $SHA" >&2; exit 1; }
TAG="ceiling-$$"
# TARGETS: "host:port namespace" per server the ceiling loads at once. Standalone: the one server. Cluster: every
# master in parallel, each with a hash tag of a slot it owns (redis-benchmark --cluster only routes its own "{tag}"
# placeholder), and the rates are summed — the Cluster's ceiling is what all its masters do together.
TARGETS=()
if [[ $CLUSTER -eq 1 ]]; then
  NODES_TXT=$(redis-cli "${CLI[@]}" CLUSTER NODES)
  # masters that serve slots (right after "cluster create" a replica-to-be may still be listed as a master)
  mapfile -t SERVING < <(echo "$NODES_TXT" | awk '$3 ~ /master/ && NF >= 9 {split($2, a, "@"); print a[1]}')
  for m in "${SERVING[@]}"; do
    for k in $(seq 0 2000); do
      slot=$(redis-cli "${CLI[@]}" CLUSTER KEYSLOT "$TAG-$k")
      owner=$(echo "$NODES_TXT" | awk -v s="$slot" '$3 ~ /master/ {
        for (i = 9; i <= NF; i++) { n = split($i, r, "-"); if (n == 1) r[2] = r[1];
          if (s + 0 >= r[1] + 0 && s + 0 <= r[2] + 0) { split($2, a, "@"); print a[1] } } }' | head -1)
      if [[ "$owner" == "$m" ]]; then TARGETS+=("$m seqtrack-ceiling:{$TAG-$k}"); break; fi
    done
  done
  [[ ${#TARGETS[@]} -gt 0 && ${#TARGETS[@]} -eq ${#SERVING[@]} ]] \
    || { echo "could not find a hash tag for every master" >&2; exit 1; }
  log "cluster: ceiling on all ${#TARGETS[@]} masters at once, rates summed"
else
  TARGETS=("- seqtrack-ceiling:{$TAG}")
fi
target_conn() { # target_conn "host:port ns": sets CONN to the redis-cli/redis-benchmark connection args
  local hp=${1%% *}
  if [[ "$hp" == - ]]; then CONN=("${BENCH_CLI[@]}"); else CONN=(-h "${hp%:*}" -p "${hp##*:}" "${AUTH[@]}"); fi
}
echo "pipeline,clients,requests,rps,p50_ms,p99_ms" >"$OUT/ceiling.csv"
{
  echo "Redis ceiling: redis-benchmark EVALSHA of common.lua + advance.lua (sha $SHA), MONOTONIC, 100000 aggregates"
  echo "topology=$TOPOLOGY uri=$URI servers loaded at once=${#TARGETS[@]} (rates summed, latencies the worst)"
} >"$OUT/ceiling.txt"
for clients in ${SEQTRACK_CEILING_CLIENTS:-1 2}; do
  for depth in ${SEQTRACK_CEILING_DEPTHS:-1 16 64 256}; do
    # about the same wall time per depth: deeper pipelines answer more requests per second
    if [[ $QUICK -eq 1 ]]; then N=$(( depth == 1 ? 20000 : 200000 )); else N=$(( depth == 1 ? 100000 : 1000000 )); fi
    log "ceiling: depth $depth, $clients client(s), $N requests per server, ${#TARGETS[@]} server(s)"
    t=0
    for target in "${TARGETS[@]}"; do
      ns=${target#* }
      # ARGV field, seq, prev, mode, channel. __rand_int__ gives 100 000 aggregates; the '1' prefix keeps the
      # 12-digit zero-padded number a canonical decimal (the script rejects leading zeros as corrupt).
      target_conn "$target"
      CMD=(redis-benchmark "${CONN[@]}" -n "$N" -c "$clients" -P "$depth" -r 100000 --csv
        EVALSHA "$SHA" 3 "$ns:r" "$ns:c" "$ns:pi" 'f__rand_int__' '1__rand_int__' 0 M '')
      echo "    ${CMD[*]}" >"$TMP/ceiling-cmd-$t"
      (timeout 300 "${CMD[@]}" 2>>"$OUT/run.log" | grep -v '^"test"' | tail -1 >"$TMP/ceiling-$t" || true) &
      t=$((t + 1))
    done
    wait
    RPS=0; P50=0; P99=0; OK=1
    for ((i = 0; i < t; i++)); do
      # "name","rps","avg","min","p50","p95","p99","max"
      LINE=$(cat "$TMP/ceiling-$i")
      r=$(echo "$LINE" | awk -F'","' '{print $2}')
      [[ -n "$r" ]] || { OK=0; break; }
      RPS=$(awk -v a="$RPS" -v b="$r" 'BEGIN { printf "%.2f", a + b }')
      P50=$(awk -v a="$P50" -v b="$(echo "$LINE" | awk -F'","' '{print $5}')" 'BEGIN { print (b > a ? b : a) }')
      P99=$(awk -v a="$P99" -v b="$(echo "$LINE" | awk -F'","' '{print $7}')" 'BEGIN { print (b > a ? b : a) }')
    done
    if [[ $OK -eq 0 ]]; then log "ceiling at depth $depth produced no result"; continue; fi
    echo "$depth,$clients,$N,$RPS,$P50,$P99" >>"$OUT/ceiling.csv"
    printf 'pipeline %-3s clients %-3s requests %-8s %12s requests/s  p50 %s ms  p99 %s ms\n' \
      "$depth" "$clients" "$N" "$RPS" "$P50" "$P99" >>"$OUT/ceiling.txt"
    cat "$TMP"/ceiling-cmd-* >>"$OUT/ceiling.txt"; rm -f "$TMP"/ceiling-cmd-* "$TMP"/ceiling-[0-9]*
  done
done
# remove the ceiling's own keys (they are ours even on an existing deployment)
for target in "${TARGETS[@]}"; do
  ns=${target#* }
  target_conn "$target"
  redis-cli "${CONN[@]}" DEL "$ns:r" "$ns:c" "$ns:pi" >/dev/null 2>&1 || true
done

log "results in $OUT"
[[ $JMH_RC -eq 0 ]] || exit "$JMH_RC"
