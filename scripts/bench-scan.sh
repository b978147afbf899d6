#!/usr/bin/env bash
# bench-scan.sh — the scan speed bar.
#
# Measures, in one run and over the same files:
#   * the libyaml parse floor: `find CORPUS -type f -print0 | xargs -0 /tmp/yamlfloor`
#     (libyaml's event parser over every file, nothing built; see ../shared/bench/README.md);
#   * `brightkeys scan -o json CORPUS` (stdout to /dev/null);
#   * the same scan over a 10x replicated corpus (10 copies of CORPUS under /tmp): wall time,
#     linearity (10x time / (10 x 1x time)) and peak RSS.
# Each side is timed best-of-N wall clock (N=5 for 1x, interleaved floor/scan; N=3 at 10x),
# after one warm-up run, with python3 time.perf_counter; peak RSS comes from /usr/bin/time -v
# (or python resource.getrusage(RUSAGE_CHILDREN) when /usr/bin/time is absent).
#
# Bars: scan/floor ratio <= 2.0, peak RSS at 10x < 300 MB. Prints PASS/FAIL per bar; exits 1
# if a bar fails, 0 otherwise (also 0, with a message, when the corpus or libyaml is missing).
#
# Usage:   scripts/bench-scan.sh [CORPUS]        (default: ../shared/corpus from the project root)
# Environment:
#   BRIGHTKEYS_BIN  scanner binary to use; if unset, `swift build -c release` is run from the
#                   project root and .build/release/brightkeys is used
#   YAMLFLOOR       floor binary (default /tmp/yamlfloor; built with ../shared/bench/build-floor.sh
#                   when missing)
#   RUNS, RUNS_10X  timed runs per side (default 5 and 3)
# Note: timings are only meaningful on an otherwise idle machine (a concurrent `swift build`
# on a 2-core box inflates them); the script prints the load average it started with.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
corpus=${1:-$root/../shared/corpus}
floor=${YAMLFLOOR:-/tmp/yamlfloor}
runs=${RUNS:-5}
runs10=${RUNS_10X:-3}

if [[ ! -d "$corpus" ]]; then
    echo "bench-scan: corpus directory $corpus not found; nothing to measure (pass a corpus path as \$1)."
    exit 0
fi
corpus=$(cd "$corpus" && pwd)

# --- the floor -------------------------------------------------------------------------------
if [[ ! -x "$floor" ]]; then
    build_floor=$root/../shared/bench/build-floor.sh
    if [[ ! -f "$build_floor" ]]; then
        echo "bench-scan: $floor is missing and $build_floor (which builds it) is not there; skipping."
        exit 0
    fi
    echo "bench-scan: building the libyaml floor: $build_floor $floor"
    if ! bash "$build_floor" "$floor"; then
        echo "bench-scan: building the floor failed (gcc ... -lyaml). It needs libyaml's headers and library:"
        echo "    apt-get update && apt-get install -y libyaml-dev      (prefix both with sudo when not root)"
        echo "then run this script again. Skipping the benchmark."
        exit 0
    fi
fi

# --- the scanner -----------------------------------------------------------------------------
if [[ -n "${BRIGHTKEYS_BIN:-}" ]]; then
    bin=$BRIGHTKEYS_BIN
else
    echo "bench-scan: building brightkeys: (cd $root && swift build -c release)"
    (cd "$root" && swift build -c release) >&2
    bin=$root/.build/release/brightkeys
fi
if [[ ! -x "$bin" ]]; then
    echo "bench-scan: scanner binary $bin not found or not executable" >&2
    exit 2
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

# --- the 10x corpus --------------------------------------------------------------------------
work=$(mktemp -d /tmp/brightkeys-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
big=$work/corpus-10x
mkdir -p "$big"
for i in 0 1 2 3 4 5 6 7 8 9; do
    cp -R "$corpus" "$big/copy$i"
done

python3 - "$bin" "$floor" "$corpus" "$big" "$runs" "$runs10" "$work" <<'PY'
import json, os, re, resource, shutil, subprocess, sys, time

bin_, floor, corpus, big, runs, runs10, work = sys.argv[1:8]
runs, runs10 = int(runs), int(runs10)
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
floor_cmd = ["bash", "-c", 'find "$1" -type f -print0 | xargs -0 "$2"', "floor", corpus, floor]

def scan_cmd(path):
    return [bin_, "scan", "-o", "json", path]

def run(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd once: (wall seconds, exit code, stdout bytes or None)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, proc.returncode, proc.stdout

def check_scan_rc(rc, what):
    # 0 clean, 1 findings, 2 input errors; anything else (or a signal) is a failure of the run.
    if rc not in (0, 1, 2):
        print(f"bench-scan: {what} exited with {rc} (expected 0, 1 or 2)", file=sys.stderr)
        sys.exit(1)

def run_with_rss(cmd):
    """Runs cmd once under /usr/bin/time -v (or a fresh python measuring RUSAGE_CHILDREN):
    (wall seconds, exit code, peak RSS in KiB)."""
    out = os.path.join(work, "rusage.txt")
    if TIME:
        wrapped = [TIME, "-v", "-o", out] + cmd
    else:
        wrapped = [sys.executable, "-c",
                   "import resource,subprocess,sys\n"
                   "rc=subprocess.run(sys.argv[2:],stdout=subprocess.DEVNULL).returncode\n"
                   "open(sys.argv[1],'w').write('Maximum resident set size (kbytes): %d\\n' % "
                   "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                   "sys.exit(rc if rc >= 0 else 128 - rc)", out] + cmd
    seconds, rc, _ = run(wrapped)
    text = open(out).read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if TIME:
        s = re.search(r"Exit status: (\d+)", text)
        if "Command terminated by signal" in text:
            rc = -1
        elif s:
            rc = int(s.group(1))
    return seconds, rc, int(m.group(1)) if m else 0

print(f"bench-scan: load average at start {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (cores: {os.cpu_count()})")
print(f"scanner:    {bin_}")
print(f"floor:      {floor}")
print(f"corpus:     {corpus}")

# What the two sides read (also a warm-up run of each; the file cache is hot afterwards).
fl = subprocess.run(floor_cmd, capture_output=True, text=True)
if fl.returncode != 0:
    print(f"bench-scan: the floor failed (exit {fl.returncode}): {fl.stderr.strip()}", file=sys.stderr)
    sys.exit(1)
tot = [0, 0, 0]
for line in fl.stdout.splitlines():
    m = re.match(r"files=(\d+) events=(\d+) bytes=(\d+)", line)
    if m:
        tot = [a + int(b) for a, b in zip(tot, m.groups())]
print(f"floor reads: files={tot[0]} events={tot[1]} bytes={tot[2]}")
_, rc, out = run(scan_cmd(corpus), stdout=subprocess.PIPE)
check_scan_rc(rc, "scan (1x warm-up)")
summary = json.loads(out)["summary"]
print(f"scan reads:  files={summary['files']} objects={summary['objects']} findings={summary['findings']} "
      f"inputErrors={summary['inputErrors']} (exit {rc})")

floor_times, scan_times = [], []
for _ in range(runs):  # interleaved, so that background load hits both sides alike
    t, rc, _ = run(floor_cmd)
    if rc != 0:
        print(f"bench-scan: the floor exited with {rc}", file=sys.stderr); sys.exit(1)
    floor_times.append(t)
    t, rc, _ = run(scan_cmd(corpus))
    check_scan_rc(rc, "scan (1x)")
    scan_times.append(t)
floor_s, scan_s = min(floor_times), min(scan_times)
ratio = scan_s / floor_s

# 10x: one warm-up, then best-of-runs10; the peak RSS is the largest seen.
_, rc, out = run(scan_cmd(big), stdout=subprocess.PIPE)
check_scan_rc(rc, "scan (10x warm-up)")
summary10 = json.loads(out)["summary"]
del out
big_times, rss_kib = [], 0
for _ in range(runs10):
    t, rc, rss = run_with_rss(scan_cmd(big))
    check_scan_rc(rc, "scan (10x)")
    big_times.append(t)
    rss_kib = max(rss_kib, rss)
big_s = min(big_times)
linearity = big_s / (10 * scan_s)
rss_mb = rss_kib / 1024

fmt = lambda xs: " ".join(f"{x:.3f}" for x in xs)
print(f"10x reads:   files={summary10['files']} objects={summary10['objects']}")
print()
print(f"floor seconds (best of {runs}):       {floor_s:.3f}   [{fmt(floor_times)}]")
print(f"scan seconds (best of {runs}):        {scan_s:.3f}   [{fmt(scan_times)}]")
print(f"ratio scan/floor:                {ratio:.2f}")
print(f"10x scan seconds (best of {runs10}):    {big_s:.3f}   [{fmt(big_times)}]")
print(f"linearity 10x/(10 x 1x):         {linearity:.2f}")
print(f"peak RSS at 10x:                 {rss_mb:.1f} MB ({'/usr/bin/time -v' if TIME else 'getrusage'})")
print()
ok_ratio, ok_rss = ratio <= 2.0, rss_mb < 300
print(f"{'PASS' if ok_ratio else 'FAIL'}  scan/floor ratio {ratio:.2f} <= 2.00")
print(f"{'PASS' if ok_rss else 'FAIL'}  peak RSS at 10x {rss_mb:.1f} MB < 300 MB")
sys.exit(0 if ok_ratio and ok_rss else 1)
PY
