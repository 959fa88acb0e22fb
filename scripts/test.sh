#!/usr/bin/env bash
# Runs every check and test of vnum: what CI runs (.ci/run calls exactly this).
#
#   scripts/test.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VNUM_ROOT"

say "format"
cargo fmt --all --check

say "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "Rust tests"
cargo test --workspace --locked
# The client as the web app builds it: proxy only, no provider dialect (an apiKey is refused).
cargo test --locked -p vnum-client --no-default-features

say "wasm32 builds of the portable crates"
wasm_cargo build --locked --target wasm32-unknown-unknown -p vnum-protocol
wasm_cargo build --locked --target wasm32-unknown-unknown -p vnum-sim --no-default-features

say "build the Worker and the simulator for the end-to-end tests"
cargo build --locked -p vnum-sim
bash scripts/build-worker.sh

say "end-to-end tests (workerd + vnum-sim + node --test)"
node --test --test-concurrency=1 tests/*.test.mjs

# ---- npm package `vnum` (crates/client) ---------------------------------------------------------
# Builds pkg/ (scripts/build-npm.sh), then tests/npm packs it, installs the tarball into a fresh
# project and drives it in Node (proxy Worker + vnum-sim, and vnum-sim with an API key), in Chromium
# (browser build) and in a JS Worker under wrangler dev (workerd build); tsc --strict checks its types.
say "npm package vnum: build, pack, install, test (Node, Chromium, workerd, tsc)"
VNUM_SKIP_SETUP=1 bash scripts/build-npm.sh
node --test --test-concurrency=1 tests/npm/*.test.mjs

# ---- web app (apps/web) -------------------------------------------------------------------------
# Builds apps/web/dist (scripts/build-web.sh), prints its transfer size (bench/web-size.sh), then drives
# it in Debian's Chromium with playwright-core against the built Worker in workerd serving it as static
# assets, with the demo provider (tests/web): buy → code → copy → finish, reload and second-tab resume,
# the cancel window, out of stock / too dear / insufficient balance, a token-protected Worker.
# Screenshots land in tests/artifacts/ (git-ignored).
say "web app: build, size, end-to-end in Chromium (tests/web)"
VNUM_SKIP_SETUP=1 bash scripts/build-web.sh
bash bench/web-size.sh
node --test --test-concurrency=1 tests/web/*.test.mjs
