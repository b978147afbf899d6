#!/usr/bin/env python3
"""Same verdicts: for every pod-bearing object of the corpus and the examples, the webhook's
allowed/denied equals what `brightkeys pss` and `brightkeys scan` say about the same object.

  scripts/webhook-agreement.py [PATH...]     (default: ../shared/corpus examples)

Two runs of `brightkeys webhook serve` (release build) over TLS, the objects posted as CREATE
AdmissionReviews into a namespace labelled enforce=restricted:
  1. Pod Security only (brightkeys' checks off, enforceOnWorkloads on): allowed == pss allowed.
  2. everything enforced from `info`: denied == scan has a finding on the object (from its
     per-object checks; checks over the whole input need every object and are not admission's).
Prints the agreement per run and every disagreement."""
import http.client, json, os, signal, ssl, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BRIGHTKEYS_BIN", os.path.join(ROOT, ".build/release/brightkeys"))
BENCH = os.path.join(os.path.dirname(BIN), "webhook-bench")
paths = sys.argv[1:] or [os.path.join(ROOT, "../shared/corpus"), os.path.join(ROOT, "examples")]

def run(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)

work = tempfile.mkdtemp(prefix="bk-agree-")
reviews = [line for line in run(BENCH, "reviews", "--namespace", "agree", *paths).stdout.splitlines() if line]
by_uid = {json.loads(line)["request"]["uid"]: line for line in reviews}
print(f"{len(by_uid)} pod-bearing objects")

# What pss and scan say, per object (file:line).
pss = {}
scan_findings = {}
files = sorted({uid.rsplit(":", 1)[0] for uid in by_uid})
# Checks over the whole input (they need every object: NetworkPolicy gaps, RBAC graphs): not admission's.
WHOLE_INPUT_CHECKS = {"BK-NET-002", "BK-NET-003", "BK-NET-004", "BK-NET-005", "BK-NET-006", "BK-NET-007",
                      "BK-RBAC-001", "BK-RBAC-005", "BK-RBAC-006", "BK-RBAC-007"}
for index in range(0, len(files), 200):
    chunk = files[index:index + 200]
    out = json.loads(run(BIN, "pss", "--level", "restricted", "--format", "json", *chunk).stdout)
    for result in out["results"]:
        pss[f'{result["file"]}:{result["line"]}'] = result["allowed"]
    out = json.loads(run(BIN, "scan", "--format", "json", "--pss-level", "restricted", *chunk).stdout)
    for finding in out["findings"]:
        key = (finding["file"], finding["kind"], finding["namespace"], finding["name"])
        scan_findings.setdefault(key, []).append(finding["checkId"])

namespaces = os.path.join(work, "ns.yaml")
with open(namespaces, "w") as f:
    f.write("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: agree\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n")
run(BIN, "webhook", "certs", "--name", "localhost", "--namespace", "bench", "--out", work)

def serve(config_text, port):
    config = os.path.join(work, f"config-{port}.yaml")
    with open(config, "w") as f:
        f.write(config_text)
    server = subprocess.Popen([BIN, "webhook", "serve", "--listen", f"127.0.0.1:{port}", "--tls-cert", f"{work}/tls.crt",
                               "--tls-key", f"{work}/tls.key", "--namespaces", namespaces, "--config", config, "--log-level", "error"])
    context = ssl.create_default_context(cafile=f"{work}/ca.crt")
    context.check_hostname = False
    for _ in range(100):
        try:
            connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
            connection.request("GET", "/readyz")
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return server, connection
        except OSError:
            time.sleep(0.1)
    sys.exit("the webhook did not start")

def decide(connection, body):
    connection.request("POST", "/validate", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    assert response.status == 200, (response.status, data[:200])
    return json.loads(data)["response"]

def object_key(file, review):
    request = review["request"]
    metadata = request["object"].get("metadata") or {}
    return (file, request["kind"]["kind"], metadata.get("namespace") or "", request["name"])

runs = [
    ("pss", "admission:\n  enforce: none\n  warn: none\n  audit: none\n  podSecurity:\n    enforceOnWorkloads: true\n"),
    ("scan", "admission:\n  enforce: info\n  podSecurity:\n    enforceOnWorkloads: true\n"),
]
exit_code = 0
for label, config in runs:
    server, connection = serve(config, 18500 + len(label))
    agree = total = 0
    disagreements = []
    for uid, body in by_uid.items():
        review = json.loads(body)
        if label == "pss":
            if uid not in pss:
                continue
            expected_allowed = pss[uid]
        else:
            file = uid.rsplit(":", 1)[0]
            checks = [c for c in scan_findings.get(object_key(file, review), []) if c not in WHOLE_INPUT_CHECKS]
            expected_allowed = not checks
        got = decide(connection, body)["allowed"]
        total += 1
        if got == expected_allowed:
            agree += 1
        else:
            disagreements.append(f"  {uid}: webhook {'allowed' if got else 'denied'}, {label} {'allowed' if expected_allowed else 'denied'}")
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=10)
    print(f"{label}: {agree}/{total} objects agree")
    for line in disagreements[:20]:
        print(line)
    if disagreements:
        exit_code = 1
sys.exit(exit_code)
