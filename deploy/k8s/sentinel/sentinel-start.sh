#!/bin/sh
# A Sentinel monitors the master its peers name, or pod 0 on the very first start. It rewrites
# its config as it learns, so the file lives in a writable emptyDir, made here.
set -eu
me="$(hostname).mailsort-redis-nodes.${NAMESPACE}.svc.cluster.local"
master=$(redis-cli -h mailsort-redis-sentinel -p 26379 --raw sentinel get-master-addr-by-name mailsort 2>/dev/null | head -n 1 || true)
if [ -z "$master" ]; then
  master="mailsort-redis-node-0.mailsort-redis-nodes.${NAMESPACE}.svc.cluster.local"
fi
cat > /sentinel/sentinel.conf <<CONF
port 26379
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip ${me}
sentinel monitor mailsort ${master} 6379 2
sentinel down-after-milliseconds mailsort 5000
sentinel failover-timeout mailsort 60000
sentinel parallel-syncs mailsort 1
CONF
exec redis-server /sentinel/sentinel.conf --sentinel
