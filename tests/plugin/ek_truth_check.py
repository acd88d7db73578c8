#!/usr/bin/env python3
"""Compare the plugin's ek output with a synthetic corpus ground truth (tests/corpus/synthetic).

usage: ek_truth_check.py TSHARK_WRAPPER TRUTH_JSON CORPUS_DIR

Runs the ek-contract invocation (docs/ek-contract.md §1) through the tshark wrapper on every file of
the scenario and checks, per Levin message of the truth (file, frame, index_in_frame): command,
flags, length, msg_type, sig_only, segments, header_split, first_segment_len, peer-list size and
last_seen entries; then that `-Y monero.sig_only` returns exactly the frames of sig-only messages;
then that the export mode `-o monero.compact_peers:TRUE` (ek-contract.md §3a) yields the same
messages with every field equal and the same peer entries as the per-entry tree; then that the
record export (`-o monero.export_records:TRUE -e monero.record`, §3b), as ek and as -T fields, and
the tap export (`-q -z monero,records`, §3c, no tree at all: lines equal to -T fields),
carries exactly the tree's values of every record field, message by message, marker by marker.
Exit 0 = all equal, 1 = mismatch (printed), 77 = input missing (CTest SKIP_RETURN_CODE).
"""
import json
import subprocess
import sys
from collections import Counter


def multimap(pairs):
    """4.0 may write the same key twice in one object: concatenate the values in order."""
    d = {}
    for k, v in pairs:
        if k in d:
            a = d[k] if isinstance(d[k], list) else [d[k]]
            d[k] = a + (v if isinstance(v, list) else [v])
        else:
            d[k] = v
    return d


def values(obj, key):
    v = obj.get("monero_monero_" + key)
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def one(obj, key):
    v = values(obj, key)
    return v[0] if v else None


def run_ek(wrapper, path, extra=()):
    cmd = [wrapper, "-n", "-r", path, "-T", "ek", "-J", "monero", "-Y", "monero", "-o",
           "monero.payload_tree:FALSE", *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    msgs = {}
    inner = []
    for line in out.splitlines():
        if not line.startswith('{"timestamp"'):
            continue
        doc = json.loads(line, object_pairs_hook=multimap)
        layer = doc["layers"].get("monero")
        objs = layer if isinstance(layer, list) else [layer]
        idx = 0
        for o in objs:
            if one(o, "command") is None:
                continue
            if one(o, "fragment_inner") is True:
                # message reassembled from Levin fragments: the truth lists only the buckets
                inner.append((int(one(o, "frame")), one(o, "command")))
                continue
            frame = int(one(o, "frame"))
            msgs[(frame, idx)] = o
            idx += 1
    msgs["inner"] = inner
    return msgs


PEER_KEYS = ("peer_keys", "peer_type", "peer_addr", "peer_id", "peer_last_seen", "peer_pruning_seed",
             "peer_rpc_port", "peer_rpc_credits_per_hash", "peer", "peer_ip", "peer_ipv6", "peer_host",
             "peer_port", "peerlist_compact")


def entries_tree(o):
    """Peer entries of the per-entry tree as (keys, type, addr, id, last_seen, ps, rpc, credits)."""
    opt = {k: iter(values(o, k)) for k in ("peer_id", "peer_last_seen", "peer_pruning_seed", "peer_rpc_port",
                                          "peer_rpc_credits_per_hash")}
    out = []
    for keys, typ, addr in zip(values(o, "peer_keys"), values(o, "peer_type"), values(o, "peer_addr")):
        m = int(keys, 16)
        e = [m, int(typ), addr]
        for bit, k, conv in ((1, "peer_id", lambda v: int(v, 16)),
                             (2, "peer_last_seen", lambda v: int(v.split(".")[0])),
                             (4, "peer_pruning_seed", lambda v: int(v, 16)),
                             (8, "peer_rpc_port", int), (16, "peer_rpc_credits_per_hash", int)):
            e.append(conv(next(opt[k])) if m & bit else None)
        out.append(tuple(e))
    return out


def entries_compact(o):
    out = []
    for s in values(o, "peerlist_compact"):
        for ent in (s.split(" ") if s else []):
            p = ent.split(";")
            assert len(p) == 8, ent
            out.append((int(p[0]), int(p[1]), p[2], *[int(x) if x else None for x in p[3:]]))
    return out


def check_compact(wrapper, path, tree):
    """Same capture with -o monero.compact_peers:TRUE: same messages, fields and peer entries."""
    comp = run_ek(wrapper, path, ["-o", "monero.compact_peers:TRUE"])
    bad = 0
    n_entries = 0
    if sorted(k for k in comp if k != "inner") != sorted(k for k in tree if k != "inner"):
        print("COMPACT message keys differ", path)
        return 1
    for key, o in tree.items():
        if key == "inner":
            continue
        c = comp[key]
        rest_t = {k: v for k, v in o.items() if k[len("monero_monero_"):] not in PEER_KEYS}
        rest_c = {k: v for k, v in c.items() if k[len("monero_monero_"):] not in PEER_KEYS}
        if rest_t != rest_c:
            print("COMPACT fields differ", path, key, set(rest_t.items()) ^ set((k, str(v)) for k, v in rest_c.items()))
            bad += 1
        et, ec = entries_tree(o), entries_compact(c)
        n_entries += len(et)
        if et != ec:
            print("COMPACT entries differ", path, key, len(et), len(ec), next((a, b) for a, b in zip(et, ec) if a != b) if et and ec else "")
            bad += 1
        if values(o, "peerlist_count") and not values(c, "peerlist_compact"):
            print("COMPACT string missing for a peer list", path, key)
            bad += 1
    print("compact mode: %s: %d messages, %d peer entries compared, %d problems" % (path, len(tree) - 1, n_entries, bad))
    return bad


# monero.record keys (ek-contract.md §3b) and how the -J tree writes each value.
RECORD_KEYS = ("frame_time", "frame", "src", "dst", "srcport", "dstport", "stream", "sender_initiated",
               "stream_start", "signature", "length", "have_to_return_data", "command", "return_code", "flags",
               "version", "msg_type", "sig_only", "segments", "header_split", "first_segment_len",
               "payload_decoded", "fragment_inner", "sig_segment", "resync_skipped", "truncated",
               "node_data_peer_id", "node_data_my_port", "node_data_rpc_port", "node_data_rpc_credits_per_hash",
               "node_data_support_flags", "node_data_network", "sync_current_height", "sync_cumulative_difficulty",
               "sync_cumulative_difficulty_top64", "sync_top_version", "sync_pruning_seed", "peerlist_count",
               "ping_status", "ping_peer_id", "support_flags")


def tree_value(v):
    """A -J ek value in the record's notation: booleans 1/0, hex as decimal, everything else as is."""
    if v is True:
        return "1"
    if v is False:
        return "0"
    if isinstance(v, str) and v.startswith("0x"):
        return str(int(v, 16))
    return v


def pct_decode(v):
    out = bytearray()
    i = 0
    b = v.encode()
    while i < len(b):
        if b[i] == 0x25:
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", "replace")


def run_records(wrapper, path, form):
    """Records per frame, in order: [(frame_of_line_order, {key: [values]})]."""
    if form == "tap":   # the tap listener: same lines as -T fields, from tshark's tap pass (no tree)
        cmd = [wrapper, "-n", "-r", path, "-q", "-z", "monero,records"]
    else:
        cmd = [wrapper, "-n", "-r", path, "-T", form, "-Y", "monero", "-o", "monero.payload_tree:FALSE",
               "-o", "monero.export_records:TRUE", "-e", "monero.record"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    frames = []
    for line in out.splitlines():
        if form == "ek":
            if not line.startswith('{"timestamp"'):
                continue
            recs = json.loads(line)["layers"].get("monero_record", [])
            recs = recs if isinstance(recs, list) else [recs]
        else:
            recs = line.split(",") if line else []
        parsed = []
        for r in recs:
            d = {}
            for item in r.split("|") if r else []:
                k, v = item.split("=", 1)
                d.setdefault(k, []).append(pct_decode(v))
            parsed.append(d)
        frames.append(parsed)
    return frames


def check_records(wrapper, path):
    """Both record forms carry, per monero object of the -J tree (in order), that object's values."""
    cmd = [wrapper, "-n", "-r", path, "-T", "ek", "-J", "monero", "-Y", "monero", "-o", "monero.payload_tree:FALSE",
           "-o", "monero.compact_peers:TRUE"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    tree_frames = []
    for line in out.splitlines():
        if not line.startswith('{"timestamp"'):
            continue
        layer = json.loads(line, object_pairs_hook=multimap)["layers"].get("monero")
        tree_frames.append(layer if isinstance(layer, list) else [layer])
    bad = 0
    for form in ("ek", "fields", "tap"):
        rec_frames = run_records(wrapper, path, form)
        if len(rec_frames) != len(tree_frames):
            print("RECORD %s: %d frames, tree %d" % (form, len(rec_frames), len(tree_frames)), path)
            bad += 1
            continue
        n = 0
        for objs, recs in zip(tree_frames, rec_frames):
            if len(objs) != len(recs):
                print("RECORD %s: frame has %d records, tree %d objects" % (form, len(recs), len(objs)), path)
                bad += 1
                continue
            for o, r in zip(objs, recs):
                n += 1
                want = {k: [tree_value(x) for x in values(o, k)] for k in RECORD_KEYS if values(o, k)}
                want.update({"peerlist_compact": values(o, "peerlist_compact")} if values(o, "peerlist_compact") else {})
                if want != r:
                    diff = {k: (want.get(k), r.get(k)) for k in set(want) | set(r) if want.get(k) != r.get(k)}
                    print("RECORD %s differs" % form, path, one(o, "frame"), diff)
                    bad += 1
        print("record mode (%s): %s: %d records compared, %d problems" % (form, path, n, bad))
    return bad


def main():
    wrapper, truth_path, corpus = sys.argv[1:4]
    try:
        truth = json.load(open(truth_path))
    except OSError:
        print("SKIP: no truth file", truth_path)
        return 77
    bad = 0
    checked = 0
    for fi, f in enumerate(truth["files"]):
        path = corpus + "/" + f["name"]
        got = run_ek(wrapper, path)
        bad += check_compact(wrapper, path, got)
        bad += check_records(wrapper, path)
        inner = got.pop("inner")
        # every completed fragment sequence (flags E) yields exactly one reassembled inner message
        ends = [m["frame"] for m in truth["messages"] if m["file"] == fi and m["msg_type"] == 5]
        if sorted(f for f, _ in inner) != sorted(ends):
            print("FRAGMENTS", f["name"], "fragment-end frames", ends, "inner messages", inner)
            bad += 1
        want = [m for m in truth["messages"] if m["file"] == fi]
        for m in want:
            key = (m["frame"], m["index_in_frame"])
            if m.get("first_file", fi) != fi:
                # began in an earlier (rotated) file: a single-file pass cannot decode it; it must
                # not be misread either (the bytes show up as resynchronisation data)
                if key in got:
                    print("UNEXPECTED decode of a message begun in another file", f["name"], key)
                    bad += 1
                continue
            o = got.pop(key, None)
            if o is None:
                print("MISSING", f["name"], key, m["command"], m["flags"])
                bad += 1
                continue
            checked += 1
            exp = {
                "command": str(m["command"]), "flags": "0x%08x" % m["flags"], "length": str(m["length"]),
                "msg_type": str(m["msg_type"]), "sig_only": True if m["sig_only"] else None,  # present only when true "segments": str(m["segments"]),
                "header_split": m["header_split"], "first_segment_len": str(m["first_segment_len"]),
            }
            if m.get("peerlist_count") is not None:
                exp["peerlist_count"] = str(m["peerlist_count"])
            for k, v in exp.items():
                g = one(o, k)
                if g != v:
                    print("DIFF", f["name"], key, "cmd", m["command"], k, "want", v, "got", g)
                    bad += 1
            if m.get("last_seen_entries") is not None and m.get("peerlist_count") is not None:
                n = sum(1 for k in values(o, "peer_keys") if int(k, 16) & 0x02)
                if n != m["last_seen_entries"]:
                    print("DIFF", f["name"], key, "last_seen entries want", m["last_seen_entries"], "got", n)
                    bad += 1
        for key, o in got.items():
            print("EXTRA", f["name"], key, one(o, "command"), one(o, "flags"))
            bad += 1
        # -Y monero.sig_only returns exactly the frames completing sig-only messages, in one-pass
        # and two-pass dissection; -Y monero.sig_segment marks the 8-byte frames (one pass)
        local = [m for m in want if m.get("first_file", fi) == fi]
        checks = [(["-Y", "monero.sig_only"], sorted(set(m["frame"] for m in local if m["sig_only"]))),
                  (["-Y", "monero.sig_only == 1"], sorted(set(m["frame"] for m in local if m["sig_only"]))),
                  (["-2", "-Y", "monero.sig_only == 1"], sorted(set(m["frame"] for m in local if m["sig_only"]))),
                  (["-Y", "monero.sig_segment"], sorted(set(m["first_frame"] for m in local if m["sig_only"])))]
        for args, want_frames in checks:
            out = subprocess.run([wrapper, "-n", "-r", path, *args, "-T", "fields", "-e", "frame.number"],
                                 check=True, capture_output=True, text=True).stdout
            got_frames = sorted(set(int(x) for x in out.split()))
            if got_frames != want_frames:
                print("SIG frames", f["name"], args, "want", want_frames, "got", got_frames)
                bad += 1
    print("checked %d messages, %d problems" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
