#!/usr/bin/env bash
# Quick start, part two: install what is missing (pnpm, Redis and the real SMTP/Prometheus
# peers the tests talk to) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each tool is checked to work (swaks with TLS, msmtp with TLS, …), not only to exist.
bash scripts/ensure-tools.sh \
  redis-server swaks msmtp openssl postfix promtool prometheus-alertmanager docker-compose kubectl chromium
# Formatting and lint (Biome; `pnpm run format` fixes the formatting), then the type check.
pnpm exec biome ci .
pnpm exec tsc -b packages/cli test/tsconfig.json
exec node scripts/run-tests.mjs "$@"
