#!/usr/bin/env bash
# Throughput and latency of GET /api/v1/balance on loopback, side by side:
#   1. straight to the simulated provider (vnum-sim),
#   2. through the vnum Worker (Rust/wasm) in workerd,
#   3. through a bare JavaScript pass-through Worker (bench/js-peer) in the same workerd build.
# Each run: wrk, 2 threads, $CONNECTIONS connections, $DURATION. Prints a table; asserts nothing.
#
#   bench/proxy-bench.sh            (DURATION=10s CONNECTIONS=16 by default)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$VNUM_ROOT"
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
KEY=OXGL-bench-key-000000
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk >/dev/null; }

cargo build --quiet --profile release-native -p vnum-sim
VNUM_SKIP_SETUP=1 bash scripts/build-worker.sh   # quick when build/ is up to date

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_for() { for _ in $(seq 240); do curl -fs -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }

SIM_PORT=$(free_port)
setsid target/release-native/vnum-sim --port "$SIM_PORT" --key "$KEY" --threads 512 >/dev/null & pids+=($!)
wait_for "http://127.0.0.1:$SIM_PORT/__sim/stats"
UPSTREAM="http://127.0.0.1:$SIM_PORT/api/v1"

start_worker() { # name main port [extra toml lines]
  local dir
  dir=$(mktemp -d)
  printf 'name = "%s"\nmain = "%s"\ncompatibility_date = "2025-09-01"\n[vars]\nPROVIDER = "oxgel"\nAUTH_MODE = "none"\nUPSTREAM_URL = "%s"\n%s\n' \
    "$1" "$2" "$UPSTREAM" "${4:-}" > "$dir/wrangler.toml"
  printf 'OXGEL_API_KEY=%s\n' "$KEY" > "$dir/.dev.vars"
  (cd "$dir" && setsid wrangler dev --local --ip 127.0.0.1 --port "$3" --inspector-port "$(free_port)" \
     --show-interactive-dev-session=false \
     --persist-to "$dir/state" -c "$dir/wrangler.toml" </dev/null >"$dir/log" 2>&1) & pids+=($!)
}
RUST_PORT=$(free_port); JS_PORT=$(free_port)
# The project's bindings, with the per-caller request limit raised out of the way: the limiter is still
# asked on every request (its cost is measured), but wrk is one caller and must not be refused.
bindings=$(sed -n '/^\[\[durable_objects.bindings\]\]/,$p' wrangler.toml)
grep -Eq 'simple = \{ limit = [0-9]+,' <<<"$bindings" || { echo "wrangler.toml: CALLER_LIMITER's limit not found" >&2; exit 1; }
start_worker vnum-bench "$VNUM_ROOT/build/index.js" "$RUST_PORT" \
  "$(sed -E 's/simple = \{ limit = [0-9]+,/simple = { limit = 1000000,/' <<<"$bindings")"
start_worker js-peer "$VNUM_ROOT/bench/js-peer/index.js" "$JS_PORT"
wait_for "http://127.0.0.1:$RUST_PORT/api/v1/balance"
wait_for "http://127.0.0.1:$JS_PORT/api/v1/balance"

run() { # label url [header]
  local out rps p50 p99
  curl -fs ${3:+-H "$3"} "$2" >/dev/null   # warm
  wrk -t2 -c"$CONNECTIONS" -d2s ${3:+-H "$3"} "$2" >/dev/null
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency ${3:+-H "$3"} "$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '%-34s %12s %10s %10s  %s\n' "$1" "$rps" "$p50" "$p99" "$errors"
  echo "$rps" > "/tmp/vnum-bench-$4"
}
echo
echo "GET /api/v1/balance on loopback, wrk -t2 -c$CONNECTIONS -d$DURATION ($(nproc) cores)"
printf '%-34s %12s %10s %10s\n' "path" "requests/s" "p50" "p99"
run "straight to vnum-sim" "$UPSTREAM/balance" "X-API-Key: $KEY" direct
run "through the vnum Worker (Rust)" "http://127.0.0.1:$RUST_PORT/api/v1/balance" "" rust
run "through the JS pass-through Worker" "http://127.0.0.1:$JS_PORT/api/v1/balance" "" js
awk -v r="$(cat /tmp/vnum-bench-rust)" -v j="$(cat /tmp/vnum-bench-js)" \
  'BEGIN { printf "vnum Worker / JS peer throughput: %.2fx\n", r / j }'
