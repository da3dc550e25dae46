#!/bin/sh
# One command for the scaled topology on this machine (docs/deploy.md, "Try it: the cluster demo"): PostgreSQL 15,
# Azurite, 2 API nodes behind haproxy (TCP mode), optionally agents; Ctrl-C stops everything.
# Needs root (PostgreSQL runs as nobody; /etc/hosts entries) and `scripts/setup.sh --test` (postgresql-15, haproxy).
#   scripts/cluster-demo.sh [--agents 2] [--api-port 16080] [--tls-port 16081] [--suffix cluster.test]
set -e
cd "$(dirname "$0")/.."
exec node --import tsx scripts/cluster-demo.ts "$@"
