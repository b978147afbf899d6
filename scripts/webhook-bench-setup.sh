# Sourced by scripts/bench-webhook.sh and scripts/webhook-cost.sh (from the project root, with
# `corpus` set): builds the release binaries and fills a temporary `work` directory with a
# serving certificate for localhost, the AdmissionReviews of the corpus pods (reviews.jsonl, UUID
# uids) and a Namespace enforcing and warning `restricted` (ns.yaml). `bin` names the binaries;
# `run_wrk` posts the reviews to a server with wrk.
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
swift build -c release --product brightkeys >/dev/null
swift build -c release --product webhook-bench >/dev/null
bin=.build/release
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

$bin/brightkeys webhook certs --name localhost --namespace bench --out "$work" >/dev/null
# Pods only: the bodies the pods webhook receives.
$bin/webhook-bench reviews --uuid --namespace bench "$corpus" 2>/dev/null | grep '"resource":"pods"' > "$work/reviews.jsonl" || true
if [ ! -s "$work/reviews.jsonl" ]; then $bin/webhook-bench reviews --uuid --namespace bench examples > "$work/reviews.jsonl"; fi
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/warn: restricted\n' > "$work/ns.yaml"

run_wrk() { # port connections seconds delay (ms per connection between requests; 0: none)
    BENCH_REVIEWS="$work/reviews.jsonl" BENCH_DELAY_MS=$4 wrk -t1 -c"$2" -d"$3"s --latency -s scripts/bench-webhook.lua "https://127.0.0.1:$1/validate/pods"
}
