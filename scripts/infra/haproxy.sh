#!/bin/bash
# HAProxy as the load balancer in front of several provider instances, on loopback.
#
#   scripts/infra/haproxy.sh start <dir> <listen port> <backend url>...   e.g. http://127.0.0.1:8801
#   scripts/infra/haproxy.sh stop <dir>
#
# Round robin, health checked with GET /healthz, X-Forwarded-For added (run the instances with
# PEKANU_TRUST_PROXY=loopback so the sign-in limits see the client's address), no buffering of
# request bodies (uploads stream through), long timeouts for uploads. Provisions Debian's haproxy
# when missing (root).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cmd=${1:-}
BASE=$(realpath -m "${2:?usage: $0 start|stop <dir> ...}")


start() {
  local port=${1:?listen port}
  shift
  [ $# -gt 0 ] || { echo "give at least one backend URL" >&2; exit 2; }
  command -v haproxy >/dev/null || apt_install haproxy
  [ -e "$BASE" ] && { echo "$BASE exists: run '$0 stop $BASE' first" >&2; exit 1; }
  mkdir -p "$BASE"
  {
    cat <<CFG
global
  maxconn 4096
defaults
  mode http
  option forwardfor
  option http-server-close
  timeout connect 5s
  timeout client 10m
  timeout server 10m
  timeout http-request 30s
frontend pekanu
  bind 127.0.0.1:$port
  default_backend providers
backend providers
  balance roundrobin
  option httpchk GET /healthz
CFG
    local i=0
    for url in "$@"; do
      local hostport=${url#http://}
      hostport=${hostport%%/*}
      echo "  server p$i $hostport check inter 1s fastinter 200ms fall 2 rise 1"
      i=$((i + 1))
    done
  } > "$BASE/haproxy.cfg"
  haproxy -c -q -f "$BASE/haproxy.cfg"
  haproxy -D -f "$BASE/haproxy.cfg" -p "$BASE/haproxy.pid"
  echo "PEKANU_LB_URL=http://127.0.0.1:$port"
}

stop() {
  if [ -f "$BASE/haproxy.pid" ]; then
    for pid in $(cat "$BASE/haproxy.pid"); do kill "$pid" 2>/dev/null || true; done
  fi
  rm -rf "$BASE"
}

case "$cmd" in
  start) shift 2; start "$@" ;;
  stop) stop ;;
  *) echo "usage: $0 start <dir> <port> <backend>... | stop <dir>" >&2; exit 2 ;;
esac
