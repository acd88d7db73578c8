#!/usr/bin/env python3
"""Minimal JSON-RPC client for record.sh (stdlib only).

    rpc.py HOST:PORT METHOD [JSON_PARAMS] [--timeout S] [--field a.b.c]

Refuses any host outside 198.51.100.0/24 (the recording's documentation range), so it
cannot be pointed at anything but the daemons/wallets record.sh started inside its own
network namespaces.  Prints the "result" object as JSON (or one field of it with --field);
exits 1 on transport errors or a JSON-RPC error object.
"""

import ipaddress
import json
import sys
import urllib.request

ALLOWED = ipaddress.ip_network("198.51.100.0/24")


def main(argv):
    timeout = 60.0
    field = None
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--timeout" and i + 1 < len(argv):
            timeout = float(argv[i + 1])
            i += 2
            continue
        if argv[i] == "--field" and i + 1 < len(argv):
            field = argv[i + 1]
            i += 2
            continue
        args.append(argv[i])
        i += 1
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    hostport, method = args[0], args[1]
    params = json.loads(args[2]) if len(args) > 2 else {}
    host, _, port = hostport.rpartition(":")
    if ipaddress.ip_address(host) not in ALLOWED:
        print("rpc.py: refusing %s: outside %s" % (host, ALLOWED), file=sys.stderr)
        return 2
    req = json.dumps({"jsonrpc": "2.0", "id": "0", "method": method, "params": params}).encode()
    r = urllib.request.Request("http://%s:%d/json_rpc" % (host, int(port)), data=req,
                               headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(r, timeout=timeout) as f:
            doc = json.load(f)
    except Exception as ex:  # connection refused while starting, timeouts
        print("rpc.py: %s %s: %s" % (hostport, method, ex), file=sys.stderr)
        return 1
    if "error" in doc:
        print("rpc.py: %s %s: %s" % (hostport, method, json.dumps(doc["error"])), file=sys.stderr)
        return 1
    res = doc.get("result")
    if field:
        for k in field.split("."):
            res = res[k] if isinstance(res, dict) else res[int(k)]
        print(res if not isinstance(res, (dict, list)) else json.dumps(res))
    else:
        print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
