#!/usr/bin/env python3
"""Scores `brightkeys audit-log detect` against Falco's own k8s_audit test cases.

For every case of DIR/cases.json (default ../shared/conformance/falco-k8saudit): load its rules
files in order, run its trace file, and compare the alert count of each rule named in
detectCounts (and no alert at all where detect is false). Prints passed/total.

    scripts/falco-conformance.py [DIR] [--bin .build/release/brightkeys] [--verbose]
"""
import argparse, collections, json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("dir", nargs="?", default=os.path.join(here, "..", "..", "shared", "conformance", "falco-k8saudit"))
parser.add_argument("--bin", default=os.environ.get("BRIGHTKEYS_BIN", os.path.join(here, "..", ".build", "release", "brightkeys")))
parser.add_argument("--verbose", action="store_true")
args = parser.parse_args()
if not os.path.isdir(args.dir):
    print(f"no conformance data at {args.dir}; nothing to score")
    sys.exit(0)
cases = json.load(open(os.path.join(args.dir, "cases.json")))
passed = 0
for case in cases:
    command = [args.bin, "audit-log", "detect", "-o", "json"]
    for rules in case["rulesFiles"]:
        command += ["--rules", os.path.join(args.dir, rules)]
    command.append(os.path.join(args.dir, case["traceFile"]))
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    counts = collections.Counter(json.loads(line)["rule"] for line in run.stdout.splitlines() if line.strip())
    if case["detect"]:
        ok = all(counts.get(rule, 0) == count for rule, count in case["detectCounts"].items())
        if ok and case.get("detectLevel"):
            # Falco's test cases write the short name INFO for Informational.
            levels = {json.loads(line)["priority"].upper().replace("INFORMATIONAL", "INFO") for line in run.stdout.splitlines() if json.loads(line)["rule"] in case["detectCounts"]}
            ok = levels <= {case["detectLevel"].upper()}
    else:
        ok = not counts
    passed += ok
    if not ok or args.verbose:
        print(f"{'OK  ' if ok else 'FAIL'} {case['name']}: expected {case['detectCounts'] if case['detect'] else 'no alerts'}, got {dict(counts)}")
        if not ok and run.stderr.strip():
            print("     " + "\n     ".join(l for l in run.stderr.strip().splitlines() if "error" in l)[:600])
print(f"{passed}/{len(cases)} cases agree")
print(f"{passed} passed, {len(cases) - passed} failed")
sys.exit(0 if passed == len(cases) else 1)
