#!/usr/bin/env bash
# wrangler.toml's [build] command (`wrangler dev` and `wrangler deploy` run it): the web app into
# apps/web/dist/ (served as static assets), then the Worker into build/.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
bash "$here/build-web.sh"
VNUM_SKIP_SETUP=1 bash "$here/build-worker.sh"
