#!/usr/bin/env bash
# Audit-log speed bar: a 1,000,000-event log (the sample events of ../shared/conformance/
# falco-k8saudit replicated with varied fields, in /tmp) through Falco's k8s_audit rules must take
# at most 2x the time of merely parsing the same lines with the same parser, measured in one run,
# in constant memory. Prints both times, the ratio and peak RSS.
#   scripts/bench-audit.sh [EVENTS]        (default 1000000; BRIGHTKEYS_BENCH_BIN to skip building)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
data=../shared/conformance/falco-k8saudit
if [ ! -d "$data" ]; then echo "bench-audit: no $data; nothing to measure"; exit 0; fi
count=${1:-1000000}
bin=${BRIGHTKEYS_BENCH_BIN:-}
if [ -z "$bin" ]; then swift build -c release --product audit-bench >/dev/null; bin=.build/release/audit-bench; fi
log=/tmp/brightkeys-audit-$count.log
if [ ! -f "$log" ]; then
    python3 - "$data/events" "$count" "$log" <<'PY'
import json, os, sys, uuid, random
directory, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
events = []
for name in sorted(os.listdir(directory)):
    for line in open(os.path.join(directory, name)):
        line = line.strip()
        if not line: continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("kind") == "Event": events.append(event)
random.seed(7)
with open(out, "w") as f:
    for i in range(count):
        event = dict(events[i % len(events)])
        event["auditID"] = str(uuid.UUID(int=random.getrandbits(128)))
        user = dict(event.get("user", {}))
        user["username"] = random.choice([user.get("username", "u"), f"user-{i % 500}", "system:anonymous", f"system:serviceaccount:ns-{i % 40}:sa"])
        event["user"] = user
        f.write(json.dumps(event, separators=(",", ":")) + "\n")
PY
fi
out=$(/usr/bin/time -v "$bin" "$log" "$data/rules/falco_rules.yaml" "$data/rules/k8s_audit_rules.yaml" 2>/tmp/bench-audit-time.txt)
echo "$out"
grep "Maximum resident" /tmp/bench-audit-time.txt | sed 's/^\s*/process /'
ratio=$(echo "$out" | awk '/ratio/ {print $2}')
python3 -c "import sys; sys.exit(0 if $ratio <= 2.0 else 1)" && echo "PASS  detect/parse $ratio <= 2.00" || { echo "FAIL  detect/parse $ratio <= 2.00"; exit 1; }
