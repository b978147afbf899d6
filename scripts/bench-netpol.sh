#!/usr/bin/env bash
# NetworkPolicy speed bars: 1,000 pods in 50 namespaces with 500 policies must get a full reach
# in under 1 s after loading, and time must grow clearly less than quadratically with pods when
# pods share labels. Prints the curve for 250/500/1,000/2,000 pods and PASS/FAIL.
#   scripts/bench-netpol.sh          (builds release; BRIGHTKEYS_BENCH_BIN=path to skip)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${BRIGHTKEYS_BENCH_BIN:-}
if [ -z "$bin" ]; then
    swift build -c release --product netpol-bench >/dev/null
    bin=.build/release/netpol-bench
fi
work=$(mktemp -d /tmp/brightkeys-netpol.XXXXXX)
trap 'rm -rf "$work"' EXIT
declare -A times
for pods in 250 500 1000 2000; do
    dir="$work/$pods"
    mkdir -p "$dir"
    python3 - "$dir" "$pods" <<'PY'
import os, sys
out, pods = sys.argv[1], int(sys.argv[2])
namespaces = 50
with open(os.path.join(out, "topology.yaml"), "w") as f:
    for n in range(namespaces):
        f.write(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: ns-{n}, labels: {{team: t{n % 5}}}}}\n")
    for p in range(pods):
        n = p % namespaces
        f.write(f"""---
apiVersion: v1
kind: Pod
metadata: {{name: pod-{p}, namespace: ns-{n}, labels: {{app: app-{p % 20}, tier: t{p % 3}}}}}
spec: {{containers: [{{name: c, image: "i:1", ports: [{{name: http, containerPort: {8000 + p % 4}}}, {{name: dns, containerPort: 53, protocol: UDP}}]}}]}}
""")
    for q in range(500):
        n = q % namespaces
        f.write(f"""---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: pol-{q}, namespace: ns-{n}}}
spec:
  podSelector: {{matchLabels: {{app: app-{q % 20}}}}}
  policyTypes: [Ingress{", Egress" if q % 3 == 0 else ""}]
  ingress:
  - from:
    - namespaceSelector: {{matchLabels: {{team: t{q % 5}}}}}
      podSelector: {{matchExpressions: [{{key: tier, operator: In, values: [t{q % 3}, t{(q + 1) % 3}]}}]}}
    - ipBlock: {{cidr: 10.{q % 200}.0.0/16, except: [10.{q % 200}.1.0/24]}}
    ports: [{{port: http}}, {{port: {9000 + q % 7}, endPort: {9010 + q % 7}}}]
""")
        if q % 3 == 0:
            f.write(f"""  egress:
  - to: [{{podSelector: {{matchLabels: {{tier: t{q % 3}}}}}}}]
    ports: [{{port: dns, protocol: UDP}}, {{port: http}}]
  - to: [{{ipBlock: {{cidr: 192.168.{q % 250}.0/24}}}}]
""")
PY
    out=$("$bin" "$dir")
    echo "== $pods pods"
    echo "$out"
    times[$pods]=$(echo "$out" | awk '/reach seconds/ {print $3}')
done
status=0
t1000=${times[1000]}
python3 -c "import sys; sys.exit(0 if $t1000 < 1.0 else 1)" && echo "PASS  reach at 1,000 pods ${t1000} s < 1 s" || { echo "FAIL  reach at 1,000 pods ${t1000} s < 1 s"; status=1; }
growth=$(python3 -c "import math; a=${times[250]}; b=${times[2000]}; print(f'{math.log(b/a)/math.log(8):.2f}' if a > 0 else 'inf')")
echo "growth exponent 250 -> 2,000 pods: $growth (2 = quadratic)"
python3 -c "import sys; sys.exit(0 if float('$growth') < 1.8 else 1)" && echo "PASS  growth clearly less than quadratic" || { echo "FAIL  growth not clearly below quadratic"; status=1; }
exit $status
