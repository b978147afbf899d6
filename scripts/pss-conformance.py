#!/usr/bin/env python3
"""Scores `brightkeys pss` against upstream Pod Security Admission fixtures.

Layout expected (as in kubernetes' staging/src/k8s.io/pod-security-admission/test/testdata):
    DIR/<baseline|restricted>/<v1.N>/<pass|fail>/*.yaml
Every `pass` fixture must be allowed and every `fail` fixture denied at that level and version.
The fixtures are not shipped with brightkeys; point this script at a local copy.

    scripts/pss-conformance.py DIR [--bin .build/release/brightkeys]
"""
import argparse
import json
import os
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("fixtures")
    parser.add_argument("--bin", default=os.environ.get("BRIGHTKEYS_BIN", ".build/release/brightkeys"))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not os.path.isdir(args.fixtures):
        print(f"no fixtures at {args.fixtures}; nothing to score")
        return 0
    agree = disagree = errors = 0
    for level in ("baseline", "restricted"):
        level_dir = os.path.join(args.fixtures, level)
        if not os.path.isdir(level_dir):
            continue
        for version in sorted(os.listdir(level_dir)):
            for expectation in ("pass", "fail"):
                directory = os.path.join(level_dir, version, expectation)
                if not os.path.isdir(directory):
                    continue
                run = subprocess.run(
                    [args.bin, "pss", "--level", level, "--version", version, "-o", "json", directory],
                    capture_output=True, text=True, timeout=120)
                report = json.loads(run.stdout)
                errors += len(report["inputErrors"])
                for error in report["inputErrors"]:
                    print(f"input error: {error['file']}:{error['line']}: {error['message']}")
                for result in report["results"]:
                    wanted = expectation == "pass"
                    if result["allowed"] == wanted:
                        agree += 1
                    else:
                        disagree += 1
                        details = "; ".join(f"{v['check']}: {v['detail']}" for v in result["violations"]) or "no violations"
                        print(f"DISAGREE {level} {version} {expectation} {result['file']}: {details}")
    total = agree + disagree
    print(f"{agree} agree, {disagree} disagree, {errors} input errors ({total} fixtures)")
    print(f"{agree} passed, {disagree} failed")
    return 0 if disagree == 0 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
