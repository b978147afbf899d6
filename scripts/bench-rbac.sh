#!/usr/bin/env bash
# RBAC speed bars: 10,000 Roles and 10,000 RoleBindings (generated in /tmp). Loading must take at
# most 2x the libyaml parse floor over the same files; who-can and can-i --list must answer in
# under 50 ms each after loading. Prints the figures and PASS/FAIL; exit 1 when a bar fails.
#   scripts/bench-rbac.sh            (builds release; BRIGHTKEYS_BENCH_BIN=path to skip)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
floor=/tmp/yamlfloor
if [ ! -x "$floor" ]; then
    if ! ../shared/bench/build-floor.sh "$floor" >/dev/null 2>&1; then
        echo "bench-rbac: cannot build the libyaml floor (apt-get install -y libyaml-dev); skipping"
        exit 0
    fi
fi
bin=${BRIGHTKEYS_BENCH_BIN:-}
if [ -z "$bin" ]; then
    swift build -c release --product rbac-bench >/dev/null
    bin=.build/release/rbac-bench
fi
data=$(mktemp -d /tmp/brightkeys-rbac.XXXXXX)
trap 'rm -rf "$data"' EXIT
python3 - "$data" <<'PY'
import os, sys
out = sys.argv[1]
verbs = ["get", "list", "watch", "create", "update", "patch", "delete"]
resources = ["pods", "services", "configmaps", "secrets", "deployments", "jobs", "events", "pods/log"]
for f in range(100):
    with open(os.path.join(out, f"rbac-{f:03}.yaml"), "w") as handle:
        for i in range(100):
            n = f * 100 + i
            ns = f"ns-{n % 100}"
            handle.write(f"""---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: role-{n}
  namespace: {ns}
  labels: {{team: t{n % 20}}}
rules:
- apiGroups: [""]
  resources: [{resources[n % 8]}, {resources[(n + 3) % 8]}]
  verbs: [{verbs[n % 7]}, {verbs[(n + 2) % 7]}]
- apiGroups: [apps]
  resources: [deployments, deployments/scale]
  resourceNames: [app-{n % 13}]
  verbs: [get, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: binding-{n}
  namespace: {ns}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: role-{n}}}
subjects:
- {{kind: User, name: user-{n % 997}}}
- {{kind: Group, name: group-{n % 50}}}
- {{kind: ServiceAccount, name: sa-{n % 31}, namespace: {ns}}}
""")
PY
best() { python3 -c 'import sys; print(min(float(x) for x in sys.argv[1:]))' "$@"; }
floor_times=()
for _ in 1 2 3 4 5; do
    start=$(date +%s.%N); find "$data" -type f -print0 | xargs -0 "$floor" >/dev/null; end=$(date +%s.%N)
    floor_times+=("$(echo "$end - $start" | bc)")
done
load_times=()
for _ in 1 2 3; do
    out=$("$bin" "$data")
    load_times+=("$(echo "$out" | awk '/load seconds/ {print $3}')")
done
echo "$out"
floor_best=$(best "${floor_times[@]}")
load_best=$(best "${load_times[@]}")
whocan=$(echo "$out" | awk '/who-can ms/ {print $3}')
list=$(echo "$out" | awk '/can-i list ms/ {print $4}')
ratio=$(python3 -c "print(f'{$load_best / $floor_best:.2f}')")
echo "floor seconds (best of 5):  $floor_best"
echo "load seconds (best of 3):   $load_best"
echo "ratio load/floor:           $ratio"
status=0
python3 -c "import sys; sys.exit(0 if $ratio <= 2.0 else 1)" && echo "PASS  load/floor $ratio <= 2.00" || { echo "FAIL  load/floor $ratio <= 2.00"; status=1; }
python3 -c "import sys; sys.exit(0 if $whocan < 50 else 1)" && echo "PASS  who-can $whocan ms < 50" || { echo "FAIL  who-can $whocan ms < 50"; status=1; }
python3 -c "import sys; sys.exit(0 if $list < 50 else 1)" && echo "PASS  can-i --list $list ms < 50" || { echo "FAIL  can-i --list $list ms < 50"; status=1; }
exit $status
