#!/usr/bin/env bash
# mailsort vs Postfix throughput, latency and scaling. Flags: bash bench/run.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in /usr/sbin/smtp-source /usr/sbin/smtp-sink /usr/sbin/postfix; do
  [ -x "$tool" ] || { echo "$tool is missing: apt-get install -y postfix" >&2; exit 1; }
done
command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install -y redis-server" >&2; exit 1; }
[ "$(id -u)" = 0 ] || echo "note: a private Postfix needs root; run with sudo or add --skip postfix" >&2
pnpm -s build  # mailsort runs its built dist/, as in production
exec node --conditions=development --import tsx bench/run.ts "$@"
