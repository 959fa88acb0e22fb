#!/usr/bin/env bash
# Runs every check and test of vnum: what CI runs (.ci/run calls exactly this).
#
#   scripts/test.sh
#
# Order: the checks and Rust tests, then the three release builds that the end-to-end suites drive (the
# Worker, the npm package, the web app), then every end-to-end suite in one `node --test` run.
# VNUM_TEST_CONCURRENCY (default 2) is how many end-to-end test files run at once; each starts its own
# workerd, vnum-sim and Chromium on free loopback ports.
set -euo pipefail
export VNUM_SETUP_FOR=test
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VNUM_ROOT"

say "format"
cargo fmt --all --check

say "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "Rust tests"
# Also builds target/debug/vnum-sim, the simulated provider of the end-to-end tests.
cargo test --workspace --locked
# The client as the web app builds it: proxy only, no provider dialect (an apiKey is refused).
cargo test --locked -p vnum-client --no-default-features

# ---- release builds -----------------------------------------------------------------------------
# The wasm32 builds of the Worker (with protocol and the simulator, no default features) and of the
# npm package (with protocol) also prove that the portable crates build for wasm32.
say "the Worker (build/), for the end-to-end tests"
bash scripts/build-worker.sh
# The npm package `vnum` (crates/client) into pkg/, which tests/npm packs, installs into a fresh project
# and drives in Node (proxy Worker + vnum-sim, and vnum-sim with an API key), in Chromium (browser build)
# and in a JS Worker under wrangler dev (workerd build); tsc --strict checks its types.
say "npm package vnum"
VNUM_SKIP_SETUP=1 bash scripts/build-npm.sh
# The web app into apps/web/dist, and its transfer size (bench/web-size.sh). tests/web drives it in
# Debian's Chromium with playwright-core against the built Worker serving it as static assets, with the
# demo provider: buy → code → copy → finish, reload and second-tab resume, the cancel window, out of
# stock / too dear / insufficient balance, a token-protected Worker. Screenshots land in
# tests/artifacts/ (git-ignored).
say "web app"
VNUM_SKIP_SETUP=1 bash scripts/build-web.sh
bash bench/web-size.sh

# ---- end-to-end ---------------------------------------------------------------------------------
say "end-to-end tests: proxy, demo, orders, Access (tests/), npm package (tests/npm), web app (tests/web)"
node --test --test-concurrency="${VNUM_TEST_CONCURRENCY:-2}" \
  tests/*.test.mjs tests/npm/*.test.mjs tests/web/*.test.mjs
