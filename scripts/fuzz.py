#!/usr/bin/env python3
"""fuzz.py — mutation fuzzer for `brightkeys scan`.

What it measures: whether the scanner survives malformed and adversarial manifests. It takes the
corpus files (default ../shared/corpus from the project root; --corpus to override; the project's
examples/ when the corpus is absent), applies 1-4 random mutations to each input, byte-level (flip,
insert, delete, overwrite bytes) and structure-aware (duplicate/delete/swap lines, change
indentation, insert `*alias`, `&anchor`, `<<:` merges, `!!tags`, `---`, `...`, `%YAML`/`%TAG`
directives, tabs, NUL, invalid UTF-8, BOMs, CRLF, very long lines, deep nesting, small alias bombs,
hostile scalar values such as huge integers and quantities), writes them `--batch` at a time
(default 200) to a temporary directory and scans that directory once with `-o json`.

A crash is: an exit code other than 0, 1 or 2; death by a signal; stdout that is not valid JSON;
or a batch exceeding --timeout seconds (default 60). A crashing batch is bisected down to the
single file(s) that crash alone; each is saved to --crash-dir (default /tmp/fuzz-crashes) with a
.txt beside it giving the command, exit status and stderr tail. A batch that crashes while none
of its files does alone is saved whole as a directory.

Prints the inputs run, batches, crashes and elapsed time; exits 1 if there was any crash.

Usage: scripts/fuzz.py [--count N] [--seed S] [--bin PATH] [--corpus DIR] [--batch N]
                       [--timeout SECONDS] [--crash-dir DIR]
       (--bin defaults to $BRIGHTKEYS_BIN, else .build/release/brightkeys under the project root)
Reproduce a run with the same --seed (and the same corpus and --batch).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXTENSIONS = (".yaml", ".yml", ".json")
MAX_SEED_BYTES = 256 * 1024  # larger seed files only slow mutation down

# ---- mutations --------------------------------------------------------------------------------------
INTERESTING_BYTES = b"\x00\xff\xfe\xc0\xc3\x80\xbf\xef\t\r\n :-?[]{},&*!|>'\"%@`#~\\"
INVALID_UTF8 = [b"\xff", b"\xfe", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xe2\x82", b"\xf0\x28\x8c\xbc",
                b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xf8\x88\x80\x80\x80"]
TOKENS = [b"*a", b"*anchor", b"&a", b"&anchor ", b"<<: *a", b"<<: [*a, *b]", b"<<: {x: 1}", b"<<:", b"<<: *nope",
          b"!!str ", b"!!int ", b"!!float ", b"!!bool ", b"!!null ", b"!!binary ", b"!!map ", b"!!seq ", b"!!set ",
          b"!!omap ", b"!!timestamp ", b"!!merge ", b"!!python/object:os.system ", b"!custom ", b"!<tag:yaml.org,2002:str> ",
          b"!<!> ", b"!! ", b"!e!tag ", b"---", b"--- ", b"...", b"%YAML 1.1", b"%YAML 1.2", b"%YAML 2.0", b"%TAG !e! tag:x,2000:",
          b"%FOO bar", b"\t", b"\x00", b"\xef\xbb\xbf", b"? ", b": ", b"- ", b"|", b">-",
          b"|+2", b"'", b'"', b"#", b"{", b"}", b"[", b"]", b",", b"@", b"`", b"\r", b"\r\n", b"\\", b'"\\x00"', b'"\\uD800"',
          b'"\\U0010FFFF"', b"~", b"null", b"=", b"\xc2\x85", b"\xe2\x80\xa8"]
HOSTILE_VALUES = [b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808", b"-9223372036854775809",
                  b"18446744073709551616", b"99999999999999999999999999999999999999", b"1e309", b"-1e309", b"1e-400",
                  b".inf", b"-.inf", b".nan", b".NaN", b"0x7fffffffffffffff", b"0xffffffffffffffffff", b"0o777777777777777777777777",
                  b"0b" + b"1" * 80, b"1_000_000_000_000_000_000_000", b"190:20:30:15:12:11:10:09:08", b"-0", b"+0", b"0.0", b"-1",
                  b"65536", b"-65536", b"2147483648", b"-2147483649", b"4294967296", b"999999999999999999999Ei", b"1e1000m",
                  b"9223372036854775807Ki", b"1.5.5Gi", b"0x10Gi", b"1Yi", b"-1Gi", b"NaNMi", b"1e18E", b"18446744073709551615m",
                  b"2001-12-14t21:59:43.10-05:00", b"9999-99-99", b"yes", b"no", b"on", b"off", b"y", b"n", b"~", b"null", b"",
                  b"''", b'""', b"[]", b"{}", b"[[]]", b"{a: {b: {c: []}}}", b"*a", b"!!binary AAAA", b"!!int x", b"!!float foo",
                  b"!!bool maybe", b"!!null x", b"!!timestamp now", b"!!map []", b"!!seq {}", b"{? [a]: b}", b"? [a, b]",
                  b"\"\\uDFFF\"", b"\"\\0\"", b"'\xf0\x9f\x92\xa9'", b"ALL", b"CAP_SYS_ADMIN", b"../../etc/passwd", b"/", b"*",
                  b"a" * 10000, b"\"" + b"\\\\" * 3000 + b"\"", b"- " * 300 + b"x", b"[" * 600 + b"]" * 600]


def lines_of(data):
    return data.split(b"\n")


def join(lines):
    return b"\n".join(lines)


def m_flip_bit(rng, data):
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]


def m_insert_bytes(rng, data):
    i = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:
        blob = bytes([rng.choice(INTERESTING_BYTES)]) * rng.choice([1, 1, 2, 3, 8])
    else:
        blob = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return data[:i] + blob + data[i:]


def m_delete_bytes(rng, data):
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, min(64, len(data) - i)):]


def m_overwrite_byte(rng, data):
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.choice(INTERESTING_BYTES)]) + data[i + 1:]


def m_duplicate_line(rng, data):
    ls = lines_of(data)
    i = rng.randrange(len(ls))
    ls[i:i] = [ls[i]] * rng.choice([1, 1, 2, 5, 50])
    return join(ls)


def m_delete_line(rng, data):
    ls = lines_of(data)
    if len(ls) < 2:
        return data
    i = rng.randrange(len(ls))
    del ls[i:i + rng.choice([1, 1, 2, 3])]
    return join(ls)


def m_swap_lines(rng, data):
    ls = lines_of(data)
    if len(ls) < 2:
        return data
    i, j = rng.randrange(len(ls)), rng.randrange(len(ls))
    ls[i], ls[j] = ls[j], ls[i]
    return join(ls)


def m_indent(rng, data):
    ls = lines_of(data)
    i = rng.randrange(len(ls))
    line = ls[i]
    choice = rng.randrange(5)
    if choice == 0:
        ls[i] = b" " * rng.randint(1, 5) + line
    elif choice == 1:
        ls[i] = line.lstrip(b" ")
    elif choice == 2:
        ls[i] = line[rng.randint(1, 3):] if line.startswith(b" ") else line
    elif choice == 3:
        stripped = line.lstrip(b" ")
        ls[i] = b"\t" * ((len(line) - len(stripped)) // 2 or 1) + stripped
    else:  # shift a whole block
        for k in range(i, min(len(ls), i + rng.randint(2, 20))):
            ls[k] = b"  " + ls[k]
    return join(ls)


def m_token(rng, data):
    token = rng.choice(TOKENS)
    ls = lines_of(data)
    i = rng.randrange(len(ls))
    where = rng.randrange(3)
    if where == 0:  # own line
        ls.insert(i, token)
    elif where == 1:  # start of a line, keeping its indentation
        line = ls[i]
        stripped = line.lstrip(b" ")
        ls[i] = line[:len(line) - len(stripped)] + token + b" " + stripped
    else:  # anywhere
        p = rng.randrange(len(ls[i]) + 1)
        ls[i] = ls[i][:p] + token + ls[i][p:]
    return join(ls)


def m_anchor_alias(rng, data):
    """Puts an anchor on some value and aliases (or merges) it elsewhere."""
    ls = lines_of(data)
    keyed = [k for k, l in enumerate(ls) if b": " in l or l.rstrip().endswith(b":")]
    if not keyed:
        return m_token(rng, data)
    a = rng.choice(keyed)
    name = b"x%d" % rng.randrange(100)
    k = ls[a].find(b":")
    ls[a] = ls[a][:k + 1] + b" &" + name + ls[a][k + 1:]
    for _ in range(rng.randint(1, 3)):
        b = rng.choice(keyed)
        line = ls[b]
        k = line.find(b":")
        indent = line[:len(line) - len(line.lstrip(b" "))]
        r = rng.randrange(3)
        if r == 0:
            ls[b] = line[:k + 1] + b" *" + name
        elif r == 1:
            ls.insert(b + 1, indent + b"  <<: *" + name)
        else:
            ls.insert(b + 1, indent + b"<<: [*" + name + b", *" + name + b"]")
    return join(ls)


def m_alias_bomb(rng, data):
    levels = rng.randint(3, 9)
    width = rng.randint(3, 10)
    out = [b"  l0: &l0 [" + b", ".join([b"lol"] * width) + b"]"]
    for i in range(1, levels):
        out.append(b"  l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * width) + b"]")
    ls = lines_of(data)
    for k, line in enumerate(ls):
        if line.startswith(b"metadata:"):
            ls[k + 1:k + 1] = [b"  annotations:"] + [b"  " + o for o in out]
            ls.append(b"  bomb: *l%d" % (levels - 1))
            return join(ls)
    return data + b"\nbomb:\n" + join(out) + b"\n"


def m_hostile_value(rng, data):
    ls = lines_of(data)
    keyed = [k for k, l in enumerate(ls) if b": " in l or l.rstrip().endswith(b":")]
    if not keyed:
        return m_token(rng, data)
    k = rng.choice(keyed)
    line = ls[k]
    p = line.find(b":")
    ls[k] = line[:p + 1] + b" " + rng.choice(HOSTILE_VALUES)
    return join(ls)


def m_invalid_utf8(rng, data):
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice(INVALID_UTF8) + data[i:]


def m_nul(rng, data):
    i = rng.randrange(len(data) + 1)
    return data[:i] + b"\x00" + data[i:]


def m_long_line(rng, data):
    n = rng.choice([1000, 10000, 100000, 1000000])
    ls = lines_of(data)
    i = rng.randrange(len(ls))
    r = rng.randrange(4)
    if r == 0:
        ls[i] = ls[i] + b"x" * n
    elif r == 1:
        ls.insert(i, b"k" * n + b": v")
    elif r == 2:
        ls.insert(i, b"#" + b"c" * n)
    else:
        ls[i] = ls[i] + b" " * n
    return join(ls)


def m_deep_nesting(rng, data):
    n = rng.choice([100, 500, 511, 512, 513, 1000, 5000, 20000])
    r = rng.randrange(5)
    if r == 0:
        blob = b"[" * n + b"]" * n
    elif r == 1:
        blob = b"{a: " * n + b"x" + b"}" * n
    elif r == 2:
        blob = b"- " * n + b"x"
    elif r == 3:
        blob = b"[" * n  # unclosed
    else:
        blob = b"\n".join(b" " * k + b"k:" for k in range(min(n, 3000))) + b" x"
    ls = lines_of(data)
    keyed = [k for k, l in enumerate(ls) if l.rstrip().endswith(b":") or b": " in l]
    if keyed and rng.random() < 0.7 and r != 4:
        k = rng.choice(keyed)
        p = ls[k].find(b":")
        ls[k] = ls[k][:p + 1] + b" " + blob
        return join(ls)
    return data + b"\n---\n" + blob + b"\n"


def m_doc_markers(rng, data):
    ls = lines_of(data)
    i = rng.randrange(len(ls) + 1)
    ls.insert(i, rng.choice([b"---", b"...", b"--- |", b"--- >", b"--- !!map", b"--- &a", b"--- *a", b"---#", b"... #",
                             b"%YAML 1.1\n---", b"%YAML 1.1", b"%TAG ! tag:x,2000:\n---", b"---\n---\n---", b"... ---"]))
    return join(ls)


def m_bom_crlf(rng, data):
    r = rng.randrange(4)
    if r == 0:
        return b"\xef\xbb\xbf" + data
    if r == 1:
        return data.replace(b"\n", b"\r\n")
    if r == 2:
        return rng.choice([b"\xff\xfe", b"\xfe\xff"]) + data
    return data.replace(b"\n", b"\r")


def m_splice(rng, data, seeds):
    other = rng.choice(seeds)[1]
    a, b = lines_of(data), lines_of(other)
    i, j = rng.randrange(len(a) + 1), rng.randrange(len(b))
    return join(a[:i] + b[j:j + rng.randint(1, 30)] + a[i:])


def m_truncate(rng, data):
    return data[:rng.randrange(len(data) + 1)]


MUTATORS = [(m_flip_bit, 3), (m_insert_bytes, 3), (m_delete_bytes, 3), (m_overwrite_byte, 3), (m_duplicate_line, 3),
            (m_delete_line, 3), (m_swap_lines, 2), (m_indent, 4), (m_token, 6), (m_anchor_alias, 4), (m_alias_bomb, 1),
            (m_hostile_value, 6), (m_invalid_utf8, 2), (m_nul, 1), (m_long_line, 1), (m_deep_nesting, 2),
            (m_doc_markers, 3), (m_bom_crlf, 1), (m_truncate, 1), ("splice", 2)]
MUTATOR_FUNCS = [m for m, _ in MUTATORS]
MUTATOR_WEIGHTS = [w for _, w in MUTATORS]


def mutate(rng, data, seeds):
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
        m = rng.choices(MUTATOR_FUNCS, MUTATOR_WEIGHTS)[0]
        data = m_splice(rng, data, seeds) if m == "splice" else m(rng, data)
    return data


# ---- running ------------------------------------------------------------------------------------------
def reject_constant(name):
    raise ValueError("not JSON: " + name)


STATS = {"files": 0, "objects": 0, "findings": 0, "inputErrors": 0}


def run_scan(binary, paths, timeout, stats=None):
    """Scans paths; returns None when fine, else a short description of the crash. Adds the JSON
    summary's counts to `stats` when given."""
    cmd = [binary, "scan", "-o", "json"] + paths
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"kind": "timeout", "detail": f"no result within {timeout} s", "stderr": b""}
    if proc.returncode < 0:
        return {"kind": f"signal{-proc.returncode}", "detail": f"killed by signal {-proc.returncode}", "stderr": proc.stderr}
    if proc.returncode not in (0, 1, 2):
        return {"kind": f"exit{proc.returncode}", "detail": f"exit code {proc.returncode}", "stderr": proc.stderr}
    try:
        doc = json.loads(proc.stdout.decode("utf-8"), parse_constant=reject_constant)
        if not isinstance(doc, dict) or "summary" not in doc:
            raise ValueError("no summary object")
        if stats is not None:
            for key in stats:
                stats[key] += int(doc["summary"].get(key, 0))
    except Exception as e:  # noqa: BLE001 - any parse problem is a crash of the machine format
        return {"kind": "badjson", "detail": f"stdout not JSON: {str(e)[:120]}", "stderr": proc.stderr}
    return None


def bisect(binary, files, timeout):
    """Returns the files of `files` that crash on their own (searching by halves)."""
    if len(files) == 1:
        return files if run_scan(binary, files, timeout) else []
    half = len(files) // 2
    found = []
    for part in (files[:half], files[half:]):
        if run_scan(binary, part, timeout):
            found += bisect(binary, part, timeout)
    return found


def save_crash(crash_dir, path, origin, crash, binary, tag):
    os.makedirs(crash_dir, exist_ok=True)
    ext = os.path.splitext(path)[1]
    base = os.path.join(crash_dir, f"crash-{tag}-{crash['kind']}")
    target = base + (ext if os.path.isfile(path) else "")
    if os.path.isdir(path):
        shutil.copytree(path, target, dirs_exist_ok=True)
    else:
        shutil.copyfile(path, target)
    stderr = crash["stderr"].decode("utf-8", "replace").splitlines()
    with open(base + ".txt", "w") as f:
        f.write(f"reproduce: {binary} scan -o json {target}\n")
        f.write(f"crash: {crash['detail']}\nmutated from: {origin}\n")
        f.write("stderr (last 40 lines):\n" + "\n".join(stderr[-40:]) + "\n")
    return target


def load_seeds(corpus):
    seeds = []
    for dirpath, dirnames, filenames in os.walk(corpus):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(EXTENSIONS):
                path = os.path.join(dirpath, name)
                try:
                    if os.path.getsize(path) <= MAX_SEED_BYTES:
                        with open(path, "rb") as f:
                            seeds.append((path, f.read() or b"\n"))
                except OSError:
                    pass
    return seeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=10000, help="mutated inputs to run (default 10000)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock; printed)")
    ap.add_argument("--bin", default=os.environ.get("BRIGHTKEYS_BIN") or os.path.join(ROOT, ".build/release/brightkeys"))
    ap.add_argument("--corpus", default=None, help="seed files (default ../shared/corpus, else examples/)")
    ap.add_argument("--batch", type=int, default=200, help="inputs per scanner invocation (default 200)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds a batch may take (default 60)")
    ap.add_argument("--crash-dir", default="/tmp/fuzz-crashes")
    args = ap.parse_args()

    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"fuzz: scanner binary {binary} not found; build it (swift build -c release) or pass --bin")
    corpus = args.corpus
    if corpus is None:
        corpus = os.path.normpath(os.path.join(ROOT, "..", "shared", "corpus"))
        if not os.path.isdir(corpus):
            corpus = os.path.join(ROOT, "examples")
    if not os.path.isdir(corpus):
        sys.exit(f"fuzz: corpus {corpus} is not a directory")
    seeds = load_seeds(corpus)
    if not seeds:
        sys.exit(f"fuzz: no .yaml/.yml/.json files under {corpus}")
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    print(f"fuzz: seed={seed} corpus={corpus} ({len(seeds)} seed files) bin={binary} batch={args.batch} "
          f"timeout={args.timeout:g}s", flush=True)

    start = time.perf_counter()
    inputs = batches = crashing_batches = 0
    crashes = []  # (saved path, kind)
    work = tempfile.mkdtemp(prefix="brightkeys-fuzz.")
    try:
        while inputs < args.count:
            n = min(args.batch, args.count - inputs)
            batch_dir = os.path.join(work, f"b{batches:05d}")
            os.mkdir(batch_dir)
            origin = {}
            for k in range(n):
                src, data = rng.choice(seeds)
                ext = ".json" if src.lower().endswith(".json") else ".yaml"
                path = os.path.join(batch_dir, f"f{k:04d}{ext}")
                with open(path, "wb") as f:
                    f.write(mutate(rng, data, seeds))
                origin[path] = src
            crash = run_scan(binary, [batch_dir], args.timeout, STATS)
            inputs += n
            batches += 1
            if crash:
                crashing_batches += 1
                print(f"fuzz: batch {batches} crashed ({crash['detail']}); bisecting", flush=True)
                files = sorted(origin)
                culprits = bisect(binary, files, args.timeout)
                if culprits:
                    for path in culprits:
                        single = run_scan(binary, [path], args.timeout) or crash
                        tag = f"s{seed}-b{batches}-{os.path.basename(path).split('.')[0]}"
                        saved = save_crash(args.crash_dir, path, origin[path], single, binary, tag)
                        crashes.append((saved, single["kind"]))
                        print(f"fuzz:   crash: {single['detail']}: saved {saved}", flush=True)
                else:
                    tag = f"s{seed}-b{batches}-batch"
                    saved = save_crash(args.crash_dir, batch_dir, "several seeds", crash, binary, tag)
                    crashes.append((saved, crash["kind"]))
                    print(f"fuzz:   no single file crashes alone; saved the whole batch as {saved}", flush=True)
            shutil.rmtree(batch_dir)
            if batches % 10 == 0:
                print(f"fuzz: {inputs} inputs, {batches} batches, {len(crashes)} crashes, "
                      f"{time.perf_counter() - start:.1f}s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    elapsed = time.perf_counter() - start
    print(f"inputs run:    {inputs}")
    print(f"batches:       {batches}")
    print(f"crashes:       {len(crashes)}" + (f" (in {crashing_batches} batches; saved under {args.crash_dir})" if crashes else ""))
    for saved, kind in crashes:
        print(f"  {kind}: {saved}")
    print(f"scanner saw:   {STATS['files']} files, {STATS['objects']} objects, {STATS['findings']} findings, "
          f"{STATS['inputErrors']} input errors (non-crashing batches)")
    print(f"elapsed:       {elapsed:.1f} s ({inputs / elapsed:.0f} inputs/s)")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
