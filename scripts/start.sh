#!/usr/bin/env bash
# Quick start, part one: install what is missing and run the whole system locally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh redis-server
exec pnpm exec mailsort dev "$@"
