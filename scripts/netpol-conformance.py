#!/usr/bin/env python3
"""Scores `brightkeys netpol reach -o connlist` against np-guard's expected connlist outputs.

Each folder of DIR (default ../shared/conformance/netpol-npguard) holds a topology and its
EXPECTED_connlist.txt; lines are compared as sets. Prints matched/total lines and files.

    scripts/netpol-conformance.py [DIR] [--bin .build/release/brightkeys] [--verbose]
"""
import argparse
import os
import subprocess
import sys


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", nargs="?", default=os.path.join(here, "..", "..", "shared", "conformance", "netpol-npguard"))
    parser.add_argument("--bin", default=os.environ.get("BRIGHTKEYS_BIN", os.path.join(here, "..", ".build", "release", "brightkeys")))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not os.path.isdir(args.dir):
        print(f"no conformance data at {args.dir}; nothing to score")
        return 0
    files_ok = files = matched = expected_total = extra_total = 0
    for name in sorted(os.listdir(args.dir)):
        folder = os.path.join(args.dir, name)
        expected_path = os.path.join(folder, "EXPECTED_connlist.txt")
        if not os.path.isfile(expected_path):
            continue
        files += 1
        expected = {line.strip() for line in open(expected_path) if line.strip()}
        inputs = [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f != "EXPECTED_connlist.txt"]
        run = subprocess.run([args.bin, "netpol", "reach", "-o", "connlist", *inputs], capture_output=True, text=True, timeout=300)
        got = {line.strip() for line in run.stdout.splitlines() if line.strip()}
        hit = len(expected & got)
        missing = expected - got
        extra = got - expected
        matched += hit
        expected_total += len(expected)
        extra_total += len(extra)
        ok = not missing and not extra
        files_ok += ok
        print(f"{'OK  ' if ok else 'DIFF'} {name}: {hit}/{len(expected)} expected lines, {len(extra)} extra")
        if args.verbose and not ok:
            for line in sorted(missing)[:15]:
                print(f"    missing: {line}")
            for line in sorted(extra)[:15]:
                print(f"    extra:   {line}")
            if run.stderr.strip():
                print("    stderr: " + run.stderr.strip().splitlines()[0])
    print(f"lines: {matched}/{expected_total} matched, {extra_total} extra; files: {files_ok}/{files} exact")
    print(f"{files_ok} passed, {files - files_ok} failed")
    return 0 if files_ok == files else 1


if __name__ == "__main__":
    sys.exit(main())
