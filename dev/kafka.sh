#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) without Docker.
# Jars come from Maven Central via dev/kafka/pom.xml; needs java (17+) and mvn on PATH.
#
# Usage: dev/kafka.sh {fetch|start|stop|status|reset|topics ARGS...}
#
# Environment (defaults in brackets):
#   KAFKA_VERSION          Kafka version to fetch [4.1.1]
#   KAFKA_PORT             PLAINTEXT listener on 127.0.0.1 [9092]
#   KAFKA_CONTROLLER_PORT  CONTROLLER listener on 127.0.0.1 [9093]
#   KAFKA_CACHE            jar directory [$REPO/.cache/kafka/$KAFKA_VERSION/libs]
#   KAFKA_DATA             data/pid/log directory [$REPO/.cache/kafka-data-$KAFKA_PORT]
#   KAFKA_HEAP             JVM heap flags ["-Xmx512m -Xms256m"]
#   KAFKA_START_TIMEOUT    seconds to wait for readiness [60]
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL [30]
set -euo pipefail

DEV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$DEV_DIR")"

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_CACHE="${KAFKA_CACHE:-$REPO/.cache/kafka/$KAFKA_VERSION/libs}"
KAFKA_DATA="${KAFKA_DATA:-$REPO/.cache/kafka-data-$KAFKA_PORT}"
KAFKA_HEAP="${KAFKA_HEAP:--Xmx512m -Xms256m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

MARKER="$KAFKA_CACHE/.fetched"
PROPS="$KAFKA_DATA/server.properties"
LOG_DIR="$KAFKA_DATA/kraft-logs"
PID_FILE="$KAFKA_DATA/broker.pid"
BROKER_LOG="$KAFKA_DATA/broker.log"
READY_LINE="Kafka Server started"

# slf4j-simple: warnings only, plus the one INFO logger that announces readiness.
LOG_OPTS=(
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
  -Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info
  -Dorg.slf4j.simpleLogger.showDateTime=true
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS"
)

say() { echo "kafka.sh[$KAFKA_PORT]: $*"; }
die() { echo "kafka.sh[$KAFKA_PORT]: ERROR: $*" >&2; exit 1; }

require_java() { command -v java >/dev/null || die "java not found on PATH (Java 17+ required)"; }

# Runs a Kafka main class in the foreground with the cached jars.
run_class() {
  require_java
  java -Xmx256m "${LOG_OPTS[@]}" -cp "$KAFKA_CACHE/*" "$@"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the pid of this data dir's broker if that process is alive and is our broker.
broker_pid() {
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid="$(<"$PID_FILE")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -qF -- "kafka.Kafka $PROPS" || return 1
  echo "$pid"
}

# True while pid exists and is not a zombie awaiting reaping by its (re)parent.
alive() {
  local stat
  stat="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ $stat != Z* ]]
}

# Waits up to $2 seconds for pid $1 to go away.
wait_gone() {
  local deadline=$((SECONDS + $2))
  while alive "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.25
  done
}

# SIGTERM, wait up to KAFKA_STOP_TIMEOUT seconds, then SIGKILL.
stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$KAFKA_STOP_TIMEOUT"; then
    say "pid=$pid still alive after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "pid=$pid survived SIGKILL"
  fi
  rm -f "$PID_FILE"
}

# Locks an already opened fd: take_lock FD SECONDS (flock is Linux-only; skipped elsewhere).
take_lock() {
  command -v flock >/dev/null || return 0
  flock -w "$2" "$1" || die "timed out after $2s waiting for a concurrent kafka.sh"
}

# Serialises start/stop/reset on one data dir via fd 9.
lock_data() {
  mkdir -p "$KAFKA_DATA"
  exec 9>"$KAFKA_DATA/.lock"
  take_lock 9 "$((KAFKA_START_TIMEOUT + KAFKA_STOP_TIMEOUT + 10))"
}

cmd_fetch() {
  # fd 8 serialises concurrent fetches into the same cache.
  mkdir -p "$(dirname "$KAFKA_CACHE")"
  exec 8>"$KAFKA_CACHE.lock"
  take_lock 8 600
  if [[ -f $MARKER ]]; then
    say "jars for Kafka $KAFKA_VERSION already in $KAFKA_CACHE"
  else
    download_jars
  fi
  exec 8>&-
}

download_jars() {
  command -v mvn >/dev/null || die "mvn not found on PATH"
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_CACHE"
  local tmp="$KAFKA_CACHE.tmp.$$" mvn_log
  mvn_log="$(mktemp)"
  rm -rf "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$DEV_DIR/kafka/pom.xml" \
      dependency:copy-dependencies -DincludeScope=runtime \
      -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
    cat "$mvn_log" >&2
    rm -rf "$tmp" "$mvn_log"
    die "mvn dependency:copy-dependencies failed"
  fi
  rm -f "$mvn_log"
  echo "$KAFKA_VERSION" >"$tmp/.fetched"
  # Swap in whole, so an interrupted fetch never leaves a half-filled jar dir behind.
  rm -rf "$KAFKA_CACHE"
  mv "$tmp" "$KAFKA_CACHE"
  say "fetched $(find "$KAFKA_CACHE" -name '*.jar' | wc -l) jars"
}

write_props() {
  mkdir -p "$LOG_DIR"
  cat >"$PROPS" <<EOF
# Generated by dev/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$LOG_DIR
num.partitions=4
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

format_storage() {
  if [[ -f $LOG_DIR/meta.properties ]]; then
    say "storage already formatted ($LOG_DIR)"
    return
  fi
  local cluster_id
  cluster_id="$(run_class kafka.tools.StorageTool random-uuid)"
  say "formatting storage, cluster id $cluster_id"
  run_class kafka.tools.StorageTool format --config "$PROPS" --cluster-id "$cluster_id" >/dev/null
}

# Waits until the broker logged readiness and the port accepts connections.
wait_ready() {
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ! { port_open "$KAFKA_PORT" && grep -qF "$READY_LINE" "$BROKER_LOG"; }; do
    if ! alive "$pid"; then
      tail -n 30 "$BROKER_LOG" >&2
      rm -f "$PID_FILE"
      die "broker exited during startup (log: $BROKER_LOG)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$BROKER_LOG" >&2
      stop_pid "$pid"
      die "broker not ready after ${KAFKA_START_TIMEOUT}s; stopped it (log: $BROKER_LOG)"
    fi
    sleep 0.25
  done
}

cmd_start() {
  local pid start=$SECONDS
  require_java
  cmd_fetch
  lock_data
  if pid="$(broker_pid)"; then
    if port_open "$KAFKA_PORT"; then
      say "already running pid=$pid port=$KAFKA_PORT"
      return
    fi
    say "broker pid=$pid is still starting; waiting"
    wait_ready "$pid"
    say "running pid=$pid port=$KAFKA_PORT"
    return
  fi
  rm -f "$PID_FILE"
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$p" && die "port $p is already in use by another process (not the broker of $KAFKA_DATA)"
  done
  write_props
  format_storage
  [[ -f $BROKER_LOG ]] && mv -f "$BROKER_LOG" "$BROKER_LOG.prev"
  say "starting broker (heap: $KAFKA_HEAP, log: $BROKER_LOG)"
  # setsid detaches the JVM from the caller's session so Ctrl-C there does not kill it;
  # 9>&- keeps the lock fd out of the long-lived JVM.
  # shellcheck disable=SC2086  # KAFKA_HEAP is a list of JVM flags
  setsid java $KAFKA_HEAP -Djava.awt.headless=true "${LOG_OPTS[@]}" \
    -cp "$KAFKA_CACHE/*" kafka.Kafka "$PROPS" </dev/null >"$BROKER_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  say "running pid=$pid port=$KAFKA_PORT (ready in $((SECONDS - start))s)"
}

cmd_stop() {
  local pid
  lock_data
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return
  fi
  say "stopping pid=$pid"
  stop_pid "$pid"
  say "stopped"
}

cmd_status() {
  local pid
  if pid="$(broker_pid)" && port_open "$KAFKA_PORT"; then
    echo "running pid=$pid port=$KAFKA_PORT"
  else
    echo "not running (port=$KAFKA_PORT)"
    return 1
  fi
}

cmd_reset() {
  cmd_stop
  # Guard against a mistyped KAFKA_DATA: only delete dirs this script created.
  if [[ ! -f $PROPS && -n $(find "$KAFKA_DATA" -mindepth 1 ! -name .lock -print -quit) ]]; then
    die "refusing to delete $KAFKA_DATA: it has no server.properties from this script"
  fi
  say "deleting $KAFKA_DATA"
  rm -rf "$KAFKA_DATA"
}

cmd_topics() {
  [[ -f $MARKER ]] || die "jars not fetched; run: $0 fetch"
  port_open "$KAFKA_PORT" || die "no broker listening on 127.0.0.1:$KAFKA_PORT; run: $0 start"
  run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" "$@"
}

usage() {
  sed -n '/^# Usage/,/^set -euo/{/^set/d;s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}" >&2
  exit 2
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  topics) cmd_topics "$@" ;;
  *) usage ;;
esac
