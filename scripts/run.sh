#!/usr/bin/env bash
# Starts vnum locally, the web app and its API, and prints the app's URL. Needs no key and no internet.
#
#   scripts/run.sh          the Worker in workerd (wrangler dev) with the demo provider inside it
#   scripts/run.sh --sim    the Worker as a real proxy (PROVIDER=oxgel) in front of the native
#                           simulator vnum-sim, which plays the provider over HTTP
#
# PORT (default 8787) and SIM_PORT (default 8788) choose the ports. State persists in .vnum/state.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VNUM_ROOT"
PORT=${PORT:-8787}
SIM_PORT=${SIM_PORT:-8788}
MODE=demo
case "${1:-}" in
  "") ;;
  --sim) MODE=sim ;;
  *) echo "usage: scripts/run.sh [--sim]" >&2; exit 2 ;;
esac

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

args=()
if [ $MODE = sim ]; then
  say "building the simulator"
  cargo build --quiet --profile release-native -p vnum-sim
  setsid target/release-native/vnum-sim --port "$SIM_PORT" --key OXGL-local-sim-key >/dev/null &
  pids+=($!)
  # The simulator's key is not a secret, so it may travel as a plain variable here.
  args=(--var PROVIDER:oxgel --var "UPSTREAM_URL:http://127.0.0.1:$SIM_PORT/api/v1" --var AUTH_MODE:none
        --var OXGEL_API_KEY:OXGL-local-sim-key)
fi

# wrangler dev runs wrangler.toml's [build] command (scripts/build.sh: the web app, then the Worker)
# before it serves; the web app is built here first so that its (long, first-time) build shows plainly,
# and wrangler's run of it then finds it up to date.
say "building the web app (the first build takes a few minutes)"
VNUM_SKIP_SETUP=1 bash scripts/build-web.sh
say "building the Worker and starting wrangler dev"
setsid wrangler dev --local --ip 127.0.0.1 --port "$PORT" --show-interactive-dev-session=false \
  --persist-to .vnum/state "${args[@]}" </dev/null &
pids+=($!)

for _ in $(seq 1200); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/v1/health" 2>/dev/null; then break; fi
  if ! kill -0 "${pids[-1]}" 2>/dev/null; then echo "wrangler dev stopped; see its output above" >&2; exit 1; fi
  sleep 0.5
done
echo
echo "  vnum is running at http://127.0.0.1:$PORT  (the web app; API: http://127.0.0.1:$PORT/api/v1, provider: $MODE)"
[ $MODE = sim ] && echo "  simulated provider at http://127.0.0.1:$SIM_PORT/api/v1 (admin: /__sim/stats)"
echo "  press Ctrl-C to stop"
echo
wait "${pids[-1]}"
