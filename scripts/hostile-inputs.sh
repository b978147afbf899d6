#!/usr/bin/env bash
# hostile-inputs.sh — how `brightkeys scan` copes with hostile and broken inputs.
#
# Creates, in a fresh temporary directory: a billion-laughs alias bomb (10 levels), a
# 10,000-deep flow document ([[[[...]]]]) and a 10,000-deep block one (- - - ... x), a 50 MB
# single document, a manifest with invalid UTF-8 on line 4, a binary (/bin/ls named .yaml), an
# empty file, a directory holding a chmod 000 manifest, a dangling symlink x.yaml and a FIFO
# fifo.yaml (also each of the last two named directly), and JSON with a duplicate key on line 5.
#
# Each is scanned alone with `timeout -k 2 10 brightkeys scan -o json FILE` under /usr/bin/time -v
# (or, without /usr/bin/time, a python wrapper reading getrusage(RUSAGE_CHILDREN)); a case PASSes
# when: exit code 2; stderr names the file (as FILE:LINE: where a line applies, and the right line
# where it is known); stdout is valid JSON listing the file under inputErrors; wall time <= 2 s;
# peak RSS < 200 MB; not killed by a signal or the timeout.
# Then everything is scanned in one run together with a valid manifest: besides the limits above,
# the valid manifest's objects and findings must all still be there (summary.objects equals the sum
# over the single runs) and every hostile input must be named on stderr.
#
# Prints one PASS/FAIL line per case with time and RSS; exits 1 if any case fails.
# Usage: scripts/hostile-inputs.sh            (set BRIGHTKEYS_BIN to pick the binary; default
#        .build/release/brightkeys under the project root; KEEP=1 keeps the temp directory)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BRIGHTKEYS_BIN:-$root/.build/release/brightkeys}
if [[ ! -x "$bin" ]]; then
    echo "hostile-inputs: scanner binary $bin not found; build it with (cd $root && swift build -c release) or set BRIGHTKEYS_BIN" >&2
    exit 2
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
command -v timeout >/dev/null || { echo "hostile-inputs: needs coreutils timeout" >&2; exit 2; }

work=$(mktemp -d /tmp/brightkeys-hostile.XXXXXX)
if [[ -z "${KEEP:-}" ]]; then
    trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
else
    echo "hostile-inputs: keeping $work"
fi

python3 - "$bin" "$work" <<'PY'
import json, os, re, shutil, stat, subprocess, sys, time

bin_, work = sys.argv[1], sys.argv[2]
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
MAX_SECONDS, MAX_RSS_MB = 2.0, 200.0
os.chdir(work)  # short relative names in messages

def write(name, data):
    with open(name, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return name

# ---- the inputs --------------------------------------------------------------------------------
# (name, path, expected line or None when no line applies or "any" when a line is due but unknown,
#  other names that must appear on stderr)
cases = []

# Billion laughs: 10 levels of 10 aliases = 10^10 leaves.
bomb = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: lol", "  namespace: x", "  annotations:",
        '    l0: &l0 [' + ", ".join(['"lol"'] * 10) + ']']
for i in range(1, 10):
    bomb.append(f"    l{i}: &l{i} [" + ", ".join([f"*l{i-1}"] * 10) + "]")
bomb += ["data:", "  bomb: *l9"]
cases.append(("alias-bomb", write("alias-bomb.yaml", "\n".join(bomb) + "\n"), "any", []))

cases.append(("deep-flow-10000", write("deep-flow.yaml", "[" * 10000 + "]" * 10000 + "\n"), 1, []))
cases.append(("deep-block-10000", write("deep-block.yaml", "- " * 10000 + "x\n"), 1, []))

with open("big-50mb.yaml", "w") as f:
    f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: x\ndata:\n")
    i = 0
    while f.tell() < 50 * 1024 * 1024:
        f.write("  k%08d: %s\n" % (i, "x" * 100))
        i += 1
cases.append(("single-doc-50MB", "big-50mb.yaml", 1, []))

cases.append(("invalid-utf8", write("invalid-utf8.yaml",
    b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xc3\x28\xff\n  namespace: x\ndata:\n  a: b\n"), 4, []))

shutil.copyfile("/bin/ls", "binary.yaml")
cases.append(("binary(/bin/ls)", "binary.yaml", "any", []))

cases.append(("empty", write("empty.yaml", b""), 1, []))

os.mkdir("unreadable")
write("unreadable/chmod000.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secret-ish\n  namespace: x\ndata:\n  a: b\n")
os.chmod("unreadable/chmod000.yaml", 0)
os.symlink("does-not-exist.yaml", "unreadable/x.yaml")
os.mkfifo("unreadable/fifo.yaml")
is_root = os.geteuid() == 0
must_name = ["unreadable/x.yaml", "unreadable/fifo.yaml"] + ([] if is_root else ["unreadable/chmod000.yaml"])
cases.append(("dir:chmod000+dangling+fifo", "unreadable", None, must_name))

os.mkfifo("fifo.yaml")
cases.append(("fifo(direct)", "fifo.yaml", None, []))
os.symlink("nowhere.yaml", "dangling.yaml")
cases.append(("dangling-symlink(direct)", "dangling.yaml", None, []))
if not is_root:
    write("chmod000.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    os.chmod("chmod000.yaml", 0)
    cases.append(("chmod000(direct)", "chmod000.yaml", None, []))

cases.append(("json-duplicate-key", write("duplicate-keys.json",
    '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "dup", "namespace": "x"},\n'
    '  "data": {"a": "1", "a": "2"}\n}\n'), 5, []))

valid = write("valid.yaml", """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
          securityContext:
            privileged: true
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
    - port: 80
""")

# ---- running -------------------------------------------------------------------------------------
def scan(paths):
    """Runs the scanner; returns dict(rc, signal, timed_out, seconds, rss_mb, stdout, stderr)."""
    cmd = ["timeout", "-k", "2", "10", bin_, "scan", "-o", "json"] + paths
    rus = os.path.join(work, ".rusage")
    if TIME:
        wrapped = [TIME, "-v", "-o", rus] + cmd
    else:
        wrapped = [sys.executable, "-c",
                   "import resource,subprocess,sys\n"
                   "rc=subprocess.run(sys.argv[2:]).returncode\n"
                   "open(sys.argv[1],'w').write('Maximum resident set size (kbytes): %d\\nExit status: %d\\n' % "
                   "(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc))\n", rus] + cmd
    start = time.perf_counter()
    proc = subprocess.run(wrapped, stdin=subprocess.DEVNULL, capture_output=True)
    seconds = time.perf_counter() - start
    text = open(rus).read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    rss_mb = int(m.group(1)) / 1024 if m else float("nan")
    sig = None
    m = re.search(r"Command terminated by signal (\d+)", text)
    if m:
        sig = int(m.group(1))
    m = re.search(r"Exit status: (-?\d+)", text)
    rc = int(m.group(1)) if m else proc.returncode
    if sig is not None:
        rc = None
    elif rc < 0:                      # python wrapper: child died by signal
        sig, rc = -rc, None
    elif rc is not None and rc > 128 and rc != 124:
        sig = rc - 128              # timeout passes on the child's death by signal
    stderr = proc.stderr
    return dict(rc=rc, signal=sig, timed_out=(rc == 124 or rc == 137), seconds=seconds, rss_mb=rss_mb,
                stdout=proc.stdout, stderr=stderr.decode("utf-8", "replace"))

def parse_json(data):
    def bad(c): raise ValueError("non-JSON constant " + c)
    try:
        return json.loads(data.decode("utf-8"), parse_constant=bad), None
    except Exception as e:
        return None, str(e)[:80]

def limits(r, reasons):
    if r["timed_out"]:
        reasons.append("timed out after 10 s")
    if r["signal"]:
        reasons.append(f"killed by signal {r['signal']}")
    if r["seconds"] > MAX_SECONDS:
        reasons.append(f"took {r['seconds']:.2f} s > {MAX_SECONDS} s")
    if not r["rss_mb"] < MAX_RSS_MB:
        reasons.append(f"peak RSS {r['rss_mb']:.1f} MB >= {MAX_RSS_MB} MB")

def named(stderr, name, line):
    """Does stderr name `name` (with `line`: None = no line needed, "any" = some line, N = line N)?"""
    lines = stderr.splitlines()
    if line is None:
        return any(l.startswith(name + ":") for l in lines), None
    pat = re.compile(re.escape(name) + r":(\d+):")
    found = [int(m.group(1)) for l in lines for m in [pat.match(l)] if m]
    if not found:
        return False, None
    if line == "any" or line in found:
        return True, found
    return False, found

failures = 0
results = {}
print(f"hostile-inputs: scanner {bin_}")
print(f"hostile-inputs: inputs in {work}  (running as {'root' if is_root else 'uid %d' % os.geteuid()}; "
      f"measuring with {'/usr/bin/time -v' if TIME else 'python getrusage'})")
print(f"bars: exit 2, file (and line) named on stderr, JSON stdout, <= {MAX_SECONDS} s, < {MAX_RSS_MB:.0f} MB RSS, no signal/timeout")
print()
for label, path, line, extra in cases:
    r = scan([path])
    results[path] = r
    reasons = []
    if r["rc"] != 2 and not r["signal"]:
        reasons.append(f"exit code {r['rc']} (want 2)")
    limits(r, reasons)
    names = extra or [path]
    for name in names:
        ok, found = named(r["stderr"], name, line if not extra else None)
        if not ok:
            if found:
                reasons.append(f"stderr names {name} at line {found[0]}, want line {line}")
            else:
                reasons.append(f"stderr does not name {name}" + ("" if line is None else " with a line"))
    doc, err = parse_json(r["stdout"])
    if doc is None:
        reasons.append(f"stdout not JSON ({err})")
    else:
        listed = {e.get("file") for e in doc.get("inputErrors", [])}
        for name in names:
            if name not in listed:
                reasons.append(f"JSON inputErrors does not list {name}")
    first = next((l for l in r["stderr"].splitlines() if not l.startswith("scanned ")), "")
    status = "FAIL" if reasons else "PASS"
    failures += bool(reasons)
    rc_text = f"sig{r['signal']}" if r["signal"] else str(r["rc"])
    print(f"{status}  {label:<28} exit={rc_text:<4} time={r['seconds']:.3f}s rss={r['rss_mb']:6.1f}MB  | {first[:110]}")
    for reason in reasons:
        print(f"        - {reason}")

# ---- all together, with a valid manifest -------------------------------------------------------------
alone = scan([valid])
alone_doc, _ = parse_json(alone["stdout"])
inputs = [path for _, path, _, _ in cases] + [valid]
r = scan(inputs)
reasons = []
if r["rc"] not in (1, 2) and not r["signal"]:
    reasons.append(f"exit code {r['rc']} (want 2, or 1 when the valid manifest has findings)")
limits(r, reasons)
doc, err = parse_json(r["stdout"])
want_objects = sum((parse_json(results[p]["stdout"])[0] or {}).get("summary", {}).get("objects", 0) for _, p, _, _ in cases)
valid_objects = (alone_doc or {}).get("summary", {}).get("objects", 0)
valid_findings = len([f for f in (alone_doc or {}).get("findings", []) if f.get("file") == valid])
got_objects = got_valid_findings = None
if doc is None:
    reasons.append(f"stdout not JSON ({err})")
else:
    got_objects = doc["summary"]["objects"]
    got_valid_findings = len([f for f in doc.get("findings", []) if f.get("file") == valid])
    if valid_objects == 0:
        reasons.append("the valid manifest alone yields no objects (test is broken)")
    if got_objects != want_objects + valid_objects:
        reasons.append(f"summary.objects {got_objects}, want {want_objects + valid_objects} "
                       f"({valid_objects} from valid.yaml + {want_objects} from the hostile files)")
    if got_valid_findings != valid_findings:
        reasons.append(f"{got_valid_findings} findings on valid.yaml, want {valid_findings} as when scanned alone")
for label, path, line, extra in cases:
    for name in (extra or [path]):
        if not any(l.startswith(name + ":") for l in r["stderr"].splitlines()):
            reasons.append(f"stderr does not name {name}")
status = "FAIL" if reasons else "PASS"
failures += bool(reasons)
rc_text = f"sig{r['signal']}" if r["signal"] else str(r["rc"])
print(f"{status}  {'all-together+valid':<28} exit={rc_text:<4} time={r['seconds']:.3f}s rss={r['rss_mb']:6.1f}MB  | "
      f"objects={got_objects} (valid.yaml alone: {valid_objects}), valid.yaml findings={got_valid_findings} (alone: {valid_findings})")
for reason in reasons:
    print(f"        - {reason}")
print()
print(f"hostile-inputs: {len(cases) + 1 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
PY
