#!/usr/bin/env python3
"""Validate one tshark export output file line by line (used by pipeline.sh and regress-pipeline.sh).

usage: check_output.py OUT [FIELDS_OUT]

A line starting with '{' must be JSON (-T ek); any other non-empty line must be a record line
(-T fields -e monero.record, or -q -z monero,records): records joined by ',', each
key=value|key=value with lowercase keys and values of printable ASCII without | = , " \\ or a
bare % (docs/ek-contract.md §3b). With FIELDS_OUT (the -T fields output of the same
capture) the two files must be equal: the tap export, built without a protocol tree, must write
exactly what the tree-based export writes. Exit 0 = valid, 1 = the first problem on stderr.
"""
import json
import re
import sys

RECORD = re.compile(rb"[a-z0-9_]+=(?:[\x20-\x7e]|%[0-9A-F]{2})*")
BAD_VALUE = re.compile(rb'[|=,"\\]')


def check_record_line(line):
    for rec in line.split(b","):
        for item in rec.split(b"|"):
            m = RECORD.fullmatch(item)
            if m is None:
                return "malformed record item %r" % item[:80]
            value = item.split(b"=", 1)[1]
            if BAD_VALUE.search(value) or re.search(rb"%(?![0-9A-F]{2})", value):
                return "unescaped character in value %r" % value[:80]
    return None


def main():
    out = sys.argv[1]
    with open(out, "rb") as f:
        lines = f.read().split(b"\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if line.startswith(b"{"):
            try:
                json.loads(line)
            except ValueError as e:
                sys.exit("line %d: %s" % (n, e))
        else:
            why = check_record_line(line)
            if why:
                sys.exit("line %d: %s" % (n, why))
    if len(sys.argv) > 2:
        with open(sys.argv[2], "rb") as f:
            other = f.read().split(b"\n")
        strip = lambda ls: [x for x in ls if x.strip()]
        a, b = strip(lines), strip(other)
        if a != b:
            k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            x = a[k] if k < len(a) else b""
            y = b[k] if k < len(b) else b""
            c = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            sys.exit("tap and -T fields exports differ at record line %d (of %d/%d), byte %d: %r vs %r"
                     % (k + 1, len(a), len(b), c, x[max(0, c - 40):c + 40], y[max(0, c - 40):c + 40]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
