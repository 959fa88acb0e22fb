#!/usr/bin/env bash
# Starts vnum locally, the web app and its API, and prints the app's URL. Needs no key and no internet.
#
#   scripts/run.sh                 the Worker in workerd (wrangler dev) with the demo provider inside it
#   scripts/run.sh --sim [DIALECT] the Worker as a real proxy in front of the native simulator vnum-sim,
#                                  which plays the provider over HTTP: oxgel (default), telenumerus or
#                                  agentotp
#
# PORT (default 8787) and SIM_PORT (default 8788) choose the ports. State persists in .vnum/state.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VNUM_ROOT"
PORT=${PORT:-8787}
SIM_PORT=${SIM_PORT:-8788}
MODE=demo
DIALECT=oxgel
case "${1:-}" in
  "") ;;
  --sim) MODE=sim; DIALECT=${2:-oxgel} ;;
  *) echo "usage: scripts/run.sh [--sim [oxgel|telenumerus|agentotp]]" >&2; exit 2 ;;
esac
case "$DIALECT" in
  oxgel | telenumerus | agentotp) ;;
  *) echo "usage: scripts/run.sh [--sim [oxgel|telenumerus|agentotp]]" >&2; exit 2 ;;
esac

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

args=()
if [ $MODE = sim ]; then
  say "building the simulator"
  cargo build --quiet --profile release-native -p vnum-sim
  setsid target/release-native/vnum-sim --dialect "$DIALECT" --port "$SIM_PORT" --key local-sim-key \
    --account-token local-sim-account-token >/dev/null &
  pids+=($!)
  # The simulator's key and token are not secrets, so they may travel as plain variables here.
  key_name=$(echo "${DIALECT}_API_KEY" | tr '[:lower:]' '[:upper:]')
  args=(--var "PROVIDER:$DIALECT" --var "UPSTREAM_URL:http://127.0.0.1:$SIM_PORT/api/v1" --var AUTH_MODE:none
        --var "$key_name:local-sim-key" --var AGENTOTP_ACCOUNT_TOKEN:local-sim-account-token
        --var AGENTOTP_PRICE:0.50)
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
provider=$MODE
[ $MODE = sim ] && provider="$DIALECT, simulated"
echo "  vnum is running at http://127.0.0.1:$PORT  (the web app; API: http://127.0.0.1:$PORT/api/v1, provider: $provider)"
[ $MODE = sim ] && echo "  simulated provider at http://127.0.0.1:$SIM_PORT/api/v1 (admin: /__sim/stats)"
echo "  press Ctrl-C to stop"
echo
wait "${pids[-1]}"
