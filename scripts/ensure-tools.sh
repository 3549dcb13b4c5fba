#!/usr/bin/env bash
# Makes sure the tools mailsort's scripts need are installed *and work* on a Debian machine with
# Node 20: pnpm, then each TOOL named as an argument (see tool_packages below). A tool that is
# missing or broken is installed with the packages it needs to work (swaks without Net::SSLeay
# is installed but cannot do TLS), then checked again; if it still fails the script stops at
# once, naming the tool and the package. Safe to run again.
#
#   bash scripts/ensure-tools.sh [--check-only] TOOL...
#
# --check-only (or ENSURE_TOOLS_CHECK_ONLY=1) installs nothing: it stops at the first tool that
# fails its check, exit 1.
set -euo pipefail

# The Debian packages a tool needs. Named explicitly rather than through Recommends, which the
# install skips (--no-install-recommends keeps postfix and prometheus from pulling in half a desktop).
tool_packages() {
  case "$1" in
    redis-server) echo redis-server redis-tools ;;
    swaks) echo swaks libnet-ssleay-perl libio-socket-ssl-perl ;;
    msmtp) echo msmtp ;;
    openssl) echo openssl ;;
    postfix) echo postfix ;;
    promtool) echo prometheus ;;
    prometheus-alertmanager) echo prometheus-alertmanager ;;
    docker-compose) echo docker-compose ;;
    kubectl) echo kubernetes-client ;;
    chromium) echo chromium fonts-dejavu-core ;;
    *) echo "ensure-tools: unknown tool '$1'" >&2; return 2 ;;
  esac
}

# Whether a tool works, not only whether its command exists. Prints why not on failure.
check_tool() {
  local out
  case "$1" in
    swaks)
      out=$(swaks --support 2>&1) || { echo "swaks --support failed"; return 1; }
      grep -q '=== TLS supported' <<<"$out" || { echo "swaks has no STARTTLS: $(grep -m1 'TLS not available' <<<"$out" || echo 'TLS not reported')"; return 1; }
      grep -q '=== Basic AUTH supported' <<<"$out" || { echo "swaks has no AUTH"; return 1; } ;;
    msmtp)
      out=$(msmtp --version 2>&1) || { echo "msmtp --version failed"; return 1; }
      grep -Eq 'TLS/SSL library: (GnuTLS|OpenSSL|LibreSSL)' <<<"$out" || { echo "msmtp was built without TLS"; return 1; } ;;
    openssl) openssl version >/dev/null 2>&1 || { echo "openssl version failed"; return 1; } ;;
    postfix)
      local dir found=""
      for dir in /usr/sbin /usr/lib/postfix /usr/lib/postfix/sbin; do
        [ -x "$dir/smtp-sink" ] && [ -x "$dir/smtp-source" ] && found=$dir
      done
      [ -n "$found" ] || { echo "postfix's smtp-sink/smtp-source are not in /usr/sbin or /usr/lib/postfix"; return 1; }
      { command -v postconf || [ -x /usr/sbin/postconf ]; } >/dev/null 2>&1 || { echo "postconf is missing"; return 1; } ;;
    promtool) promtool --version >/dev/null 2>&1 || { echo "promtool --version failed"; return 1; } ;;
    prometheus-alertmanager) prometheus-alertmanager --version >/dev/null 2>&1 || { echo "prometheus-alertmanager --version failed"; return 1; } ;;
    redis-server)
      redis-server --version >/dev/null 2>&1 || { echo "redis-server --version failed"; return 1; }
      # test/redis-cluster.test.ts builds its cluster with redis-cli --cluster create (redis-cli 5+).
      out=$(redis-cli --cluster help 2>&1) || true
      grep -q 'create' <<<"$out" || { echo "redis-cli has no --cluster create"; return 1; } ;;
    docker-compose) docker-compose version >/dev/null 2>&1 || { echo "docker-compose version failed"; return 1; } ;;
    kubectl) kubectl version --client >/dev/null 2>&1 || { echo "kubectl version --client failed"; return 1; } ;;
    chromium)
      # It must really render a page headless (the console's browser tests drive it), not only start.
      out=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --user-data-dir="$(mktemp -d)" --dump-dom 'data:text/html,<p>ok</p>' 2>/dev/null) || { echo "chromium --headless --dump-dom failed"; return 1; }
      grep -q '<p>ok</p>' <<<"$out" || { echo "chromium rendered nothing"; return 1; } ;;
    *) echo "unknown tool"; return 2 ;;
  esac
}

fail() {
  echo "ensure-tools: $1 does not work: $2; install it with: apt-get install -y $(tool_packages "$1")" >&2
  exit 1
}

check_only=${ENSURE_TOOLS_CHECK_ONLY:-}
if [ "${1:-}" = "--check-only" ]; then check_only=1; shift; fi

tools=("$@")
for tool in "${tools[@]}"; do tool_packages "$tool" >/dev/null; done

broken=()
for tool in "${tools[@]}"; do
  if ! why=$(check_tool "$tool"); then
    [ -n "$check_only" ] && fail "$tool" "$why"
    broken+=("$tool")
  fi
done

if [ ${#broken[@]} -gt 0 ]; then
  packages=()
  for tool in "${broken[@]}"; do read -ra pkgs <<<"$(tool_packages "$tool")"; packages+=("${pkgs[@]}"); done
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "ensure-tools: not working: ${broken[*]}; install them with: apt-get install -y ${packages[*]}" >&2; exit 1
    fi
  fi
  echo "==> apt-get install ${packages[*]} (for ${broken[*]})"
  $sudo apt-get update -qq >/dev/null
  # postfix asks questions on install; answer "No configuration": tests run private instances.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  for tool in "${broken[@]}"; do why=$(check_tool "$tool") || fail "$tool" "$why (still, after installing)"; done
fi

[ -n "$check_only" ] && exit 0
if ! command -v pnpm >/dev/null 2>&1; then
  echo "==> installing pnpm 10 (npm install -g pnpm@10)"
  npm install -g pnpm@10 >/dev/null
fi
pnpm install --frozen-lockfile --reporter=silent
