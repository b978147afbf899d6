#!/usr/bin/env python3
"""Bad input for the admission webhook: N malformed or hostile requests (truncated JSON, byte
mutations, wrong apiVersion/kind, missing request/uid, wrong types, invalid UTF-8, deep nesting,
10 MB bodies, empty bodies, wrong content types, plain HTTP to the TLS port, slow clients), then
the first valid review again, whose answer must equal the answer before.

  scripts/webhook-hostile.py PORT CA_FILE REVIEWS_JSONL [N]

Exit 1 if the server answered any 5xx, stopped answering, or changed its valid answer."""
import http.client, json, random, socket, ssl, sys, threading, time, collections

port, ca, reviews_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
total = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
random.seed(20261128)
reviews = [line.encode() for line in open(reviews_file, "rb").read().decode().splitlines() if line]
context = ssl.create_default_context(cafile=ca)
context.check_hostname = False

def connect():
    return http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)

def post(connection, body, content_type="application/json"):
    connection.request("POST", "/validate/pods", body=body, headers={"Content-Type": content_type})
    response = connection.getresponse()
    return response.status, response.read()

def body_of(review):
    return json.loads(review)

def valid_answer():
    connection = connect()
    status, data = post(connection, reviews[0])
    connection.close()
    assert status == 200, status
    return json.loads(data)["response"]

before = valid_answer()

def mutate(kind):
    review = random.choice(reviews)
    if kind == "truncated":
        return review[: random.randrange(0, len(review))]
    if kind == "bytes":
        data = bytearray(review)
        for _ in range(random.randint(1, 8)):
            data[random.randrange(len(data))] = random.randrange(256)
        return bytes(data)
    doc = body_of(review)
    request = doc["request"]
    if kind == "apiVersion":
        doc["apiVersion"] = random.choice(["admission.k8s.io/v2", "v1", "", None, 7])
    elif kind == "kind":
        doc["kind"] = random.choice(["Pod", "AdmissionResponse", "", None])
    elif kind == "no-request":
        del doc["request"]
    elif kind == "no-uid":
        del request["uid"]
    elif kind == "types":
        field = random.choice(["uid", "operation", "object", "kind", "resource", "userInfo", "dryRun", "namespace"])
        request[field] = random.choice([7, "x", [], True, {"a": 1}, None, 1.5])
    elif kind == "utf8":
        raw = json.dumps(doc).encode()
        at = random.randrange(len(raw))
        return raw[:at] + random.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82"]) + raw[at:]
    elif kind == "nesting":
        return b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":' + b"[" * 100000 + b"]" * 100000 + b"}"
    elif kind == "object-garbage":
        request["object"] = {"spec": {"containers": random.choice(["x", [1, 2], [{"name": 5}], None])}, "kind": "Pod", "apiVersion": "v1"}
    return json.dumps(doc).encode()

kinds = ["truncated", "bytes", "apiVersion", "kind", "no-request", "no-uid", "types", "utf8", "nesting", "object-garbage"]
statuses = collections.Counter()
problems = []
lock = threading.Lock()

def slow_client(index):
    """Sends the headers and part of the body a byte at a time, then gives up."""
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        tls = context.wrap_socket(raw)
        body = reviews[index % len(reviews)]
        tls.send(f"POST /validate/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for byte in body[:40]:
            tls.send(bytes([byte]))
            time.sleep(0.05)
        tls.close()
        with lock:
            statuses["slow client (abandoned)"] += 1
    except OSError as error:
        with lock:
            statuses[f"slow client: {type(error).__name__}"] += 1

def plain_http():
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        raw.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        raw.recv(100)
        raw.close()
        with lock:
            statuses["plain HTTP (connection closed)"] += 1
    except OSError:
        with lock:
            statuses["plain HTTP (connection closed)"] += 1

slow = [threading.Thread(target=slow_client, args=(i,)) for i in range(20)]
for thread in slow:
    thread.start()

connection = connect()
sent = 0
started = time.time()
while sent < total:
    sent += 1
    roll = sent % 500
    try:
        if roll == 0:
            plain_http()
            continue
        if roll == 1:
            status, _ = post(connection, b"x" * (10 << 20))
        elif roll == 2:
            status, _ = post(connection, b"")
        elif roll == 3:
            status, _ = post(connection, random.choice(reviews), content_type=random.choice(["text/plain", "application/yaml", "multipart/form-data"]))
        else:
            status, _ = post(connection, mutate(kinds[sent % len(kinds)]))
        statuses[status] += 1
        if status >= 500:
            problems.append(f"request {sent}: {status}")
    except (http.client.HTTPException, OSError) as error:
        # The server may close a connection after a 413 it did not read to the end.
        statuses[f"connection closed ({type(error).__name__})"] += 1
        connection.close()
        connection = connect()
elapsed = time.time() - started
for thread in slow:
    thread.join()

after = valid_answer()
print(f"{total} bad requests in {elapsed:.1f} s:", ", ".join(f"{key}: {value}" for key, value in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
print("valid review answered the same before and after:", "yes" if after == before else f"NO ({before} vs {after})")
if problems or after != before:
    print("\n".join(problems[:20]))
    sys.exit(1)
