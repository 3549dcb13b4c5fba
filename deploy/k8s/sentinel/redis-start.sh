#!/bin/sh
# A Redis pod starts as the replica of whatever master the Sentinels name; only when no
# Sentinel answers yet (the very first start) does pod 0 start as the master.
set -eu
me="$(hostname).mailsort-redis-nodes.${NAMESPACE}.svc.cluster.local"
master=$(redis-cli -h mailsort-redis-sentinel -p 26379 --raw sentinel get-master-addr-by-name mailsort 2>/dev/null | head -n 1 || true)
if [ -z "$master" ]; then
  master="mailsort-redis-node-0.mailsort-redis-nodes.${NAMESPACE}.svc.cluster.local"
fi
set -- --appendonly yes --appendfsync everysec --maxmemory 768mb --maxmemory-policy noeviction --replica-announce-ip "$me"
if [ "$master" = "$me" ]; then
  exec redis-server "$@"
fi
exec redis-server "$@" --replicaof "$master" 6379
