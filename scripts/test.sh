#!/usr/bin/env bash
# Quick start, part two: install what is missing (pnpm, Redis and the real SMTP/Prometheus
# peers the tests talk to) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh \
  redis-server=redis-server swaks=swaks msmtp=msmtp openssl=openssl postfix=postfix \
  promtool=prometheus prometheus-alertmanager=prometheus-alertmanager docker-compose=docker-compose \
  kubectl=kubernetes-client
pnpm exec tsc -b packages/cli test/tsconfig.json
exec node scripts/run-tests.mjs "$@"
