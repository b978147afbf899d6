#!/usr/bin/env bash
# Audit webhook speed bar: the receiver must sustain at least 20,000 events/s over loopback TLS
# (client certificates on) in EventList batches of 100, with no loss: every event sent is counted
# by the server. Client and server share this machine's cores, so the figure is conservative.
#   scripts/bench-audit-webhook.sh [EVENTS] [CONNECTIONS]   (default 200000 events, 8 connections)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
events=${1:-200000}
connections=${2:-8}
swift build -c release --product audit-webhook-bench >/dev/null
pki=$(mktemp -d)
trap 'rm -rf "$pki"' EXIT
(
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=bench-ca -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile server.ext -out server.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout client.key -out client.csr 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out client.crt 2>/dev/null
)
LOG_LEVEL=warning .build/release/audit-webhook-bench "$pki" "$events" "$connections"
