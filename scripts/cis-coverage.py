#!/usr/bin/env python3
"""Prints how `brightkeys node bench` covers the CIS Kubernetes Benchmark v1.12, by section.

Reads the recommendation list from kube-bench's cis-1.12 files (../shared/conformance/
kube-bench-cis-1.12 by default) and the results of a run on the default kubeadm example node.
A recommendation counts as evaluated when its verdict comes from the files (PASS/FAIL, or WARN
for an unscored failure) and as guidance when it is WARN with a manual instruction.

    scripts/cis-coverage.py [--cis DIR] [--bin .build/release/brightkeys]
"""
import argparse, json, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--cis", default=os.path.join(here, "..", "..", "shared", "conformance", "kube-bench-cis-1.12"))
parser.add_argument("--bin", default=os.environ.get("BRIGHTKEYS_BIN", os.path.join(here, "..", ".build", "release", "brightkeys")))
args = parser.parse_args()
if not os.path.isdir(args.cis):
    print(f"no CIS data at {args.cis}; nothing to compare")
    sys.exit(0)
import yaml  # PyYAML, installed with the Debian image; only this script needs it
ids = {}
for name in ["master.yaml", "etcd.yaml", "node.yaml"]:
    data = yaml.safe_load(open(os.path.join(args.cis, name)))
    for group in data["groups"]:
        for check in group["checks"]:
            ids[str(check["id"])] = ("manual" if check.get("type") == "manual" else "automated", str(group["id"]))
node = tempfile.mkdtemp()
subprocess.run([os.path.join(here, "node-tree.sh"), os.path.join(here, "..", "examples", "node-default-kubeadm"), node + "/n"], check=True, capture_output=True)
out = subprocess.run([args.bin, "node", "bench", "--root", node + "/n", "--targets", "master,etcd,node", "-o", "json"], capture_output=True, text=True).stdout
results = {r["id"]: r for r in json.loads(out)["results"]}
rows = {}
missing = []
for cid, (kind, section) in ids.items():
    row = rows.setdefault(section, [0, 0, 0, 0])
    row[0] += 1
    result = results.get(cid)
    if result is None:
        missing.append(cid)
        continue
    manual = any(e.startswith("manual:") for e in result["evidence"])
    if manual:
        row[2] += 1
    else:
        row[1] += 1
    if kind == "automated" and not manual:
        row[3] += 1
print(f"{'section':8} {'checks':>6} {'evaluated':>9} {'guidance':>8} {'automated evaluated':>19}")
total = [0, 0, 0, 0]
for section in sorted(rows, key=lambda s: [int(p) for p in s.split(".")]):
    row = rows[section]
    total = [a + b for a, b in zip(total, row)]
    print(f"{section:8} {row[0]:6} {row[1]:9} {row[2]:8} {row[3]:19}")
print(f"{'total':8} {total[0]:6} {total[1]:9} {total[2]:8} {total[3]:19}")
automated = sum(1 for k, _ in ids.values() if k == "automated")
print(f"automated recommendations: {automated}; not covered: {', '.join(missing) if missing else 'none'}")
sys.exit(1 if missing else 0)
