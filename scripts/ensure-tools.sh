#!/usr/bin/env bash
# Installs what mailsort's scripts need on a Debian machine with Node 20: pnpm, and the apt
# packages named as arguments when their commands are missing. Safe to run again.
set -euo pipefail

if ! command -v pnpm >/dev/null 2>&1; then
  echo "==> installing pnpm 10 (npm install -g pnpm@10)"
  npm install -g pnpm@10 >/dev/null
fi

missing=()
for pair in "$@"; do
  cmd=${pair%%=*}; pkg=${pair#*=}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "missing Debian packages: ${missing[*]}; install them with: apt-get install -y ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "==> apt-get install ${missing[*]}"
  $sudo apt-get update -qq >/dev/null
  # postfix asks questions on install; answer "No configuration": tests run private instances.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
pnpm install --frozen-lockfile --reporter=silent
