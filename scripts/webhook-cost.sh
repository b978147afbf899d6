#!/usr/bin/env bash
# Where the admission webhook's time goes under load, as CPU time per request: the bar's bare
# floor, the same floor decoding each review, the same floor also deciding it (the answer stays
# the fixed one), the same floor writing the real answer, and `brightkeys webhook serve` itself
# (what it costs past `answer` is its own intake, metrics and logging). Each runs the same wrk
# load over loopback TLS in alternating turns; the server's CPU comes from /proc, wrk's from
# `times`.
# On one machine the load generator shares the cores, so the throughput ratio of
# scripts/bench-webhook.sh is (floor server + client) / (ours + client), per request.
# Usage: scripts/webhook-cost.sh [CORPUS_DIR]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_TURN:-5}
# shellcheck source=scripts/webhook-bench-setup.sh
source scripts/webhook-bench-setup.sh
tls=(--tls-cert "$work/tls.crt" --tls-key "$work/tls.key")

# Server i listens on port 18611 + i.
names=(floor decode decide answer brightkeys)
port() { echo $((18611 + $1)); }
for i in 0 1 2 3; do
    work_args=()
    case ${names[i]} in
    decode) work_args=(--work decode) ;;
    decide | answer) work_args=(--work "${names[i]}" --namespaces "$work/ns.yaml") ;;
    esac
    $bin/webhook-bench bare --listen "127.0.0.1:$(port "$i")" "${tls[@]}" "${work_args[@]}" >/dev/null 2>&1 &
    pids[i]=$!
done
$bin/brightkeys webhook serve --listen "127.0.0.1:$(port 4)" "${tls[@]}" --namespaces "$work/ns.yaml" --log-level error &
pids[4]=$!
servers=("${!names[@]}")
for i in "${servers[@]}"; do
    for _ in $(seq 100); do curl -sk -o /dev/null -X POST "https://127.0.0.1:$(port "$i")/validate/pods" && break; sleep 0.1; done
done

ticks=$(getconf CLK_TCK)
server_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# `times` must run in this shell (not a subshell) to count the wrk runs it waited for.
client_seconds() { awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$work/times"; }
declare -a requests server client
for i in "${servers[@]}"; do requests[i]=0; server[i]=0; client[i]=0; done
run() { # index seconds
    run_wrk "$(port "$1")" 16 "$2" 0
}
for i in "${servers[@]}"; do run "$i" 2 >/dev/null; done
echo "== $rounds turns of $seconds s each per server, alternating; 16 connections"
for _ in $(seq "$rounds"); do
    for i in "${servers[@]}"; do
        s0=$(server_cpu "${pids[i]}")
        times > "$work/times"
        c0=$(client_seconds)
        out=$(run "$i" "$seconds")
        s1=$(server_cpu "${pids[i]}")
        times > "$work/times"
        c1=$(client_seconds)
        if grep -q "Non-2xx" <<< "$out"; then echo "${names[i]}: errors in the run" >&2; exit 1; fi
        requests[i]=$((requests[i] + $(awk '/requests in/ {print $1}' <<< "$out")))
        server[i]=$(awk -v a="${server[i]}" -v d="$((s1 - s0))" -v t="$ticks" 'BEGIN { print a + d / t }')
        client[i]=$(awk -v a="${client[i]}" -v b="$c0" -v c="$c1" 'BEGIN { print a + c - b }')
    done
done
printf '%-11s %12s %14s %14s %12s\n' server requests/s "server µs/req" "client µs/req" "vs floor"
floor_rate=$(awk -v n="${requests[0]}" -v t="$((rounds * seconds))" 'BEGIN { print n / t }')
for i in "${servers[@]}"; do
    awk -v name="${names[i]}" -v n="${requests[i]}" -v t="$((rounds * seconds))" -v s="${server[i]}" -v c="${client[i]}" -v f="$floor_rate" \
        'BEGIN { printf "%-11s %12.0f %14.1f %14.1f %11.1f%%\n", name, n / t, s * 1e6 / n, c * 1e6 / n, 100 * n / t / f }'
done
awk -v n="${requests[0]}" -v s="${server[0]}" -v c="${client[0]}" \
    'BEGIN { f = (s + c) * 1e6 / n; printf "the 70%% bar leaves %.1f µs of CPU per request (server and client) over the floor'"'"'s %.1f\n", f / 0.7 - f, f }'
