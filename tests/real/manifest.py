#!/usr/bin/env python3
"""Write or check tests/corpus/real/manifest.json.

    manifest.py write DIR    measure every DIR/*.pcapng with tests/tools/levin_census.py and
                             write DIR/manifest.json (file size, sha256, the recorder's
                             NAME.meta.json if present, and the census summary)
    manifest.py check DIR    re-measure every capture and compare with manifest.json exactly
                             (same file set, size, sha256, census summary); exit 1 on any
                             difference, printing each one

The counts come from levin_census.py (pure Python, independent of the C++ code under test).
"""

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import levin_census as lc  # noqa: E402


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def captures(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".pcapng") or f.endswith(".pcap"))


def measure(d, name):
    p = os.path.join(d, name)
    r = lc.census_file(p)
    if r["error"]:
        raise SystemExit("manifest.py: %s: %s" % (name, r["error"]))
    return {"bytes": os.path.getsize(p), "sha256": sha256(p), "census": r["summary"]}


def write(d):
    files = {}
    for name in captures(d):
        e = measure(d, name)
        meta = os.path.join(d, os.path.splitext(name)[0] + ".meta.json")
        if os.path.exists(meta):
            with open(meta) as f:
                e["recording"] = json.load(f)
        files[name] = e
    doc = {
        "description": "Real monerod 0.18.0.0 recordings; counts measured by "
                       "tests/tools/levin_census.py (independent of the C++ code). "
                       "See README.md for definitions.",
        "generator": "tests/real/manifest.py write",
        "files": files,
    }
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %s (%d captures)" % (os.path.join(d, "manifest.json"), len(files)))
    return 0


def diff(path, a, b, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append("%s.%s: missing in manifest (measured %r)" % (path, k, b[k]))
            elif k not in b:
                out.append("%s.%s: in manifest (%r) but not measured" % (path, k, a[k]))
            else:
                diff("%s.%s" % (path, k), a[k], b[k], out)
    elif a != b:
        out.append("%s: manifest %r, measured %r" % (path, a, b))


def check(d):
    with open(os.path.join(d, "manifest.json")) as f:
        doc = json.load(f)
    listed = sorted(doc.get("files", {}))
    present = captures(d)
    problems = []
    if listed != present:
        problems.append("capture set differs: manifest %s, directory %s" % (listed, present))
    if not listed:
        problems.append("manifest lists no captures")
    for name in sorted(set(listed) & set(present)):
        want = doc["files"][name]
        got = measure(d, name)
        for k in ("bytes", "sha256"):
            if want.get(k) != got[k]:
                problems.append("%s: %s manifest %r, file %r" % (name, k, want.get(k), got[k]))
        diff(name + ".census", want.get("census"), got["census"], problems)
        c = got["census"]
        print("%s: %d messages, %d connections, %d handshakes, %d timed syncs: %s"
              % (name, c["messages"], c["connections"], c["handshakes"]["requests"],
                 c["timed_syncs"]["requests"], "ok" if not problems else "DIFFERS"))
    for p in problems:
        print("MISMATCH " + p)
    return 1 if problems else 0


def main(argv):
    if len(argv) != 2 or argv[0] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    return write(argv[1]) if argv[0] == "write" else check(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
