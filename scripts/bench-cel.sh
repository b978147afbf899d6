#!/usr/bin/env bash
# CEL speed bar: the same admission expression over the same three-container pod, compiled once and
# evaluated 100,000 times by brightkeys' Swift engine and by Google's C++ CEL (PyPI
# cel-expr-python, data converted once into an Activation). Prints both rates and the ratio
# brightkeys/cpp, which should be at least 1.0. The C++ figure includes the Python call overhead
# of each eval(), which is how that runtime is offered to Python users.
#   scripts/bench-cel.sh [ITERATIONS]   (default 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-100000}
if ! out=$(swift build -c release --product cel-bench 2>&1); then echo "$out"; exit 1; fi
swift_line=$(.build/release/cel-bench "$n")
echo "$swift_line"
swift_rate=$(echo "$swift_line" | sed -E 's/.* ([0-9]+) evaluations\/s/\1/')
cpp_rate=$(python3 - "$n" <<'PY'
import sys, time
try:
    from cel_expr_python import cel
except ImportError:
    print("0")
    sys.exit(0)
n = int(sys.argv[1])
env = cel.NewEnv(variables={"object": cel.Type.DYN})
expr = env.compile("object.spec.containers.all(c, has(c.securityContext) && c.securityContext.runAsNonRoot == true)")
ctr = lambda i: {"name": f"c{i}", "image": "nginx", "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False}}
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
       "spec": {"containers": [ctr(i) for i in range(3)]}}
act = env.Activation({"object": pod})
assert expr.eval(act).value() is True
start = time.perf_counter()
for _ in range(n):
    expr.eval(act)
print(round(n / (time.perf_counter() - start)))
PY
)
if [ "$cpp_rate" = "0" ]; then echo "cpp: cel-expr-python not installed; no ratio"; exit 0; fi
echo "cpp (cel-expr-python): $n evaluations, $cpp_rate evaluations/s"
python3 -c "print(f'ratio brightkeys/cpp: {$swift_rate / $cpp_rate:.2f}')"
