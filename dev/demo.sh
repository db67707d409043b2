#!/usr/bin/env bash
# The main job, end to end on this machine: a local Kafka broker, the topics, one worker, the bundled
# samples sent to news.raw, and what comes out on news.enriched, news.duplicates and news.deadletter.
# Each run starts from an empty demo broker. KEEP_RUNNING=1 leaves the broker and worker up afterwards; the
# next run stops both before it deletes anything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash dev/setup.sh
export KAFKA_PORT="${KAFKA_PORT:-9092}" KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
export KAFKA_DATA="$PWD/.cache/demo/kafka"
export NEWS_INGEST_BROKER="kafka://127.0.0.1:$KAFKA_PORT"
export NEWS_INGEST_DATA_DIR="$PWD/.cache/demo/worker"
cli=.venv/bin/news-ingest
log=.cache/demo/worker.log
pid_file=.cache/demo-worker.pid

# A worker an earlier demo left running would keep its state across the reset below: stop it first.
stop_earlier_worker() {
  local pid
  pid=$(cat "$pid_file" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "news-ingest worker"; then
    echo "demo: stopping the worker an earlier demo left running (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}
stop_earlier_worker
bash dev/kafka.sh stop >/dev/null
rm -rf .cache/demo
mkdir -p .cache/demo
bash dev/kafka.sh start
"$cli" topics create

"$cli" worker -l info >"$log" 2>&1 &
worker_pid=$!
echo "$worker_pid" >"$pid_file"
cleanup() {
  if [[ ${KEEP_RUNNING:-0} == 1 ]]; then
    echo "demo: worker (pid $worker_pid, log $log) and broker ($NEWS_INGEST_BROKER) left running"
    return
  fi
  kill -TERM "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null || true
  rm -f "$pid_file"
  bash dev/kafka.sh stop
}
trap cleanup EXIT

echo "demo: waiting for the worker (log: $log)"
for _ in $(seq 1 240); do
  grep -q "\[^Worker\]: Ready" "$log" && break
  kill -0 "$worker_pid" 2>/dev/null || { tail -50 "$log"; echo "demo: the worker died" >&2; exit 1; }
  sleep 0.5
done
grep -q "\[^Worker\]: Ready" "$log" || { tail -50 "$log"; echo "demo: worker not ready after 120 s" >&2; exit 1; }

full=.cache/demo/outcomes.jsonl
started=$(date +%s%N)
"$cli" send samples/ 2>.cache/demo/send.txt || { cat .cache/demo/send.txt >&2; exit 1; }
echo
echo "== outcomes, one line each: enriched record, duplicate verdict or dead letter =="
"$cli" tail news.enriched news.duplicates news.deadletter --from-beginning -n 5 --timeout 120 --brief \
  --save "$full" 2>.cache/demo/tail.txt || { cat .cache/demo/tail.txt >&2; exit 1; }
millis=$((($(date +%s%N) - started) / 1000000))
sent=$(sed -n 's/^sent \([0-9]*\) messages to \([^ ]*\) .*/\1 messages in (\2)/p' .cache/demo/send.txt)
read=$(sed -n 's/^read \([0-9]*\) records in [0-9.]*s: \(.*\)/\1 records out (\2)/p' .cache/demo/tail.txt)
echo
printf 'demo: %s, %s, %d.%d s from the first message sent to the last record read\n' \
  "$sent" "$read" $((millis / 1000)) $((millis % 1000 / 100))
echo "demo: the full JSON records are in $full"
echo "demo: with KEEP_RUNNING=1 the broker stays up: .venv/bin/news-ingest tail news.enriched --from-beginning --pretty"
