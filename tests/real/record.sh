#!/usr/bin/env bash
# record.sh - record real Levin traffic between monerod instances (Debian's `monero` package,
# monerod 0.18.0.0) in private network namespaces, for tests/corpus/real.
#
#   tests/real/record.sh [--name NAME] [--outdir DIR] [--nodes N] [--duration SECONDS]
#                        [--fake-peers K] [--no-wallet] [--keep-tmp]
#   tests/real/record.sh --check-only [--inject-default-route | --inject-route]
#
# Topology: one namespace per monerod (mscrec-<pid>-nI, address 198.51.100.I/24 on veth
# "eth0", MTU 1500, IPv6 disabled, no default route) plus one namespace mscrec-<pid>-br that
# holds only a bridge (br0) and the peer ends of the veths; nothing is connected to the host
# namespace.  dumpcap records on br0 (snaplen unlimited, capture filter "tcp").
#
# SAFETY (part of the spec): monerod dials hard-coded mainnet seed IPs and DNS seeds on its own.
# It never runs in the host namespace: every process that talks to the network is started with
# `ip netns exec` in one of our namespaces, and only after guard_ns() verified for that
# namespace that (1) no default route exists in any table (IPv4 and IPv6), (2) every IPv4
# route stays inside 198.51.100.0/24 (plus the kernel's own loopback entries), (3) no global
# IPv6 route exists and IPv6 is disabled, (4) the only interfaces are lo and veths/bridges
# whose peers are in our own namespaces, (5) `ip route get` for outside addresses (mainnet
# seeds, 1.1.1.1, 198.18.0.1) answers "unreachable".  Any failure aborts (exit 3) before a
# daemon starts.  The EXIT trap kills only the PIDs this script started and deletes only the
# namespaces it created.
#
# --check-only builds the namespaces, runs the guard, tears down and exits 0 (guard passed)
# or 3 (guard refused).  --inject-default-route / --inject-route add, inside our own first
# node namespace only, a default route (or a route to 203.0.113.0/24) via the non-existent
# gateway 198.51.100.254 before the guard runs; the guard must then refuse (tests use this).
#
# Exit codes: 0 ok, 2 usage, 3 safety guard refused, 4 environment (not root, tool missing),
# 5 recording failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
census="$root/tests/tools/levin_census.py"
rpc="$here/rpc.py"

NAME=regtest-4nodes
OUTDIR="$root/tests/corpus/real"
NODES=4
DURATION=480
FAKE=300
WALLET=1
KEEP_TMP=0
CHECK_ONLY=0
INJECT=""
NET=198.51.100
P2P=18080
RPCP=18081
WRPC=18083

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME=$2; shift 2;;
    --outdir) OUTDIR=$2; shift 2;;
    --nodes) NODES=$2; shift 2;;
    --duration) DURATION=$2; shift 2;;
    --fake-peers) FAKE=$2; shift 2;;
    --no-wallet) WALLET=0; shift;;
    --keep-tmp) KEEP_TMP=1; shift;;
    --check-only) CHECK_ONLY=1; shift;;
    --inject-default-route) INJECT=default; shift;;
    --inject-route) INJECT=route; shift;;
    -h|--help) usage;;
    *) echo "record.sh: unknown argument $1" >&2; usage;;
  esac
done
[[ "$NODES" =~ ^[0-9]+$ ]] && [ "$NODES" -ge 2 ] && [ "$NODES" -le 8 ] || { echo "record.sh: --nodes must be 2..8" >&2; exit 2; }
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 60 ] && [ "$DURATION" -le 900 ] || { echo "record.sh: --duration must be 60..900" >&2; exit 2; }
[[ "$FAKE" =~ ^[0-9]+$ ]] && [ "$FAKE" -le 500 ] || { echo "record.sh: --fake-peers must be 0..500" >&2; exit 2; }
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "record.sh: bad --name" >&2; exit 2; }
if [ -n "$INJECT" ] && [ "$CHECK_ONLY" != 1 ]; then
  echo "record.sh: --inject-* is only allowed with --check-only" >&2; exit 2
fi

log() { printf '[record %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { local rc=$1; shift; log "ERROR: $*"; exit "$rc"; }

[ "$(id -u)" -eq 0 ] || die 4 "needs root (ip netns)"
need=(ip python3)
[ "$CHECK_ONLY" = 1 ] || need+=(monerod dumpcap)
[ "$CHECK_ONLY" = 1 ] || [ "$WALLET" = 0 ] || need+=(monero-wallet-rpc)
for t in "${need[@]}"; do command -v "$t" >/dev/null || die 4 "missing tool: $t"; done

P="mscrec-$$"
BR="$P-br"
NSES=()     # namespaces we created (only these are ever deleted)
PIDS=()     # processes we started (only these are ever signalled)
DUMPCAP_PID=""
TMP=$(mktemp -d "/tmp/$P-XXXXXX")

cleanup() {
  local rc=$?
  set +e
  local p mine
  # signal only PIDs we started that bash still lists as running jobs of this shell
  mine=" $(jobs -p | tr '\n' ' ') "
  for p in "${PIDS[@]}"; do [[ "$mine" == *" $p "* ]] && kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 1 40); do
    mine=" $(jobs -p | tr '\n' ' ') "
    local alive=0
    for p in "${PIDS[@]}"; do [[ "$mine" == *" $p "* ]] && kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  mine=" $(jobs -p | tr '\n' ' ') "
  for p in "${PIDS[@]}"; do [[ "$mine" == *" $p "* ]] && kill -KILL "$p" 2>/dev/null; done
  if [ -n "$DUMPCAP_PID" ]; then
    kill -TERM "$DUMPCAP_PID" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$DUMPCAP_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$DUMPCAP_PID" 2>/dev/null
  fi
  wait 2>/dev/null
  local n
  for n in "${NSES[@]}"; do ip netns del "$n" 2>/dev/null; done
  if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

node_ns() { echo "$P-n$1"; }

build_topology() {
  ip netns add "$BR"; NSES+=("$BR")
  ip netns exec "$BR" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$BR" link set lo up
  ip -n "$BR" link add br0 type bridge
  ip -n "$BR" link set br0 mtu 1500 up
  local i ns
  for i in $(seq 1 "$NODES"); do
    ns=$(node_ns "$i")
    ip netns add "$ns"; NSES+=("$ns")
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip link add name eth0 netns "$ns" mtu 1500 type veth peer name "v$i" netns "$BR" mtu 1500
    ip -n "$BR" link set "v$i" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$NET.$i/24" dev eth0
    # no TSO/GSO super-packets: segments on the wire are at most MTU-sized, as on a real NIC
    ip -n "$ns" link set eth0 gso_max_size 1500 gso_max_segs 1
    ip -n "$BR" link set "v$i" gso_max_size 1500 gso_max_segs 1
    ip -n "$ns" link set eth0 up
  done
}

# guard_ns NS: verify NS cannot reach anything outside 198.51.100.0/24. Returns 0 or 1.
guard_ns() {
  local ns=$1 bad=0
  if [ -n "$(ip -n "$ns" -4 route show default 2>&1)" ] || [ -n "$(ip -n "$ns" -6 route show default 2>&1)" ]; then
    log "guard: $ns has a default route"; bad=1
  fi
  if ip -n "$ns" -4 route show table all | grep -qw default || ip -n "$ns" -6 route show table all 2>/dev/null | grep -qw default; then
    log "guard: $ns has a default route in some table"; bad=1
  fi
  # every IPv4 route must stay inside the documentation range (kernel loopback entries aside)
  if ! ip -n "$ns" -4 route show table all | python3 -c '
import ipaddress, sys
net = ipaddress.ip_network("198.51.100.0/24"); lo = ipaddress.ip_network("127.0.0.0/8")
types = {"local", "broadcast", "unicast", "anycast", "multicast", "unreachable", "blackhole", "prohibit", "throw", "nat"}
bad = 0
for line in sys.stdin:
    w = line.split()
    if not w:
        continue
    kind = w[0] if w[0] in types else "unicast"
    dst = w[1] if w[0] in types else w[0]
    try:
        d = ipaddress.ip_network(dst, strict=False)
    except ValueError:
        print("unparsed route: " + line.strip()); bad = 1; continue
    if d.subnet_of(net):
        continue
    if kind in ("local", "broadcast") and d.subnet_of(lo) and " dev lo " in line + " ":
        continue
    if kind in ("unreachable", "blackhole", "prohibit"):
        continue
    print("route leaves 198.51.100.0/24: " + line.strip()); bad = 1
sys.exit(bad)
' >&2; then
    log "guard: $ns has a route outside 198.51.100.0/24"; bad=1
  fi
  # IPv6 must be disabled and carry no global route
  if [ "$(ip netns exec "$ns" sysctl -n net.ipv6.conf.all.disable_ipv6)" != 1 ]; then
    log "guard: $ns has IPv6 enabled"; bad=1
  fi
  if ip -n "$ns" -6 route show table all 2>/dev/null | grep -vE '^(local ::1 |fe80::|multicast ff00::|ff00::|local fe80::|anycast fe80::)' | grep -q .; then
    log "guard: $ns has IPv6 routes"; bad=1
  fi
  # interfaces: lo, and veth/bridge devices whose peers are in our own namespaces
  local line
  while IFS= read -r line; do
    local dev kind peerns
    dev=$(awk -F': ' '{print $2}' <<<"$line"); dev=${dev%%@*}
    kind=$(sed -nE 's/.*link\/([a-z]+) .*/\1/p' <<<"$line")
    if [ "$dev" = lo ]; then continue; fi
    if grep -q ' veth ' <<<"$line"; then
      peerns=$(sed -nE 's/.*link-netns ([^ ]+).*/\1/p' <<<"$line")
      case " ${NSES[*]} " in *" $peerns "*) ;; *) log "guard: $ns: $dev peers with foreign namespace '${peerns}'"; bad=1;; esac
    elif grep -q ' bridge ' <<<"$line"; then
      :
    else
      log "guard: $ns: unexpected interface $dev ($kind)"; bad=1
    fi
  done < <(ip -n "$ns" -d -o link show)
  # behavioural check: outside destinations must be unreachable
  local dst
  for dst in 1.1.1.1 8.8.8.8 66.85.74.134 88.198.163.90 198.18.0.1 203.0.113.1; do
    if ip -n "$ns" route get "$dst" >/dev/null 2>&1; then
      log "guard: $ns can route to $dst"; bad=1
    fi
  done
  return $bad
}

guard_all() {
  local n rc=0
  for n in "${NSES[@]}"; do guard_ns "$n" || rc=1; done
  return $rc
}

# start_in NS LOGFILE CMD...: guard NS, then run CMD inside NS in the background; records the PID.
start_in() {
  local ns=$1 logf=$2; shift 2
  guard_ns "$ns" || die 3 "safety guard refused to start $1 in $ns"
  ip netns exec "$ns" "$@" >"$logf" 2>&1 &
  PIDS+=($!)
}

rpc_in() { # rpc_in I PORT METHOD [PARAMS] [--field F]
  local i=$1 port=$2; shift 2
  ip netns exec "$(node_ns "$i")" python3 "$rpc" "$NET.$i:$port" "$@"
}

wait_rpc() { # wait_rpc I PORT METHOD SECONDS
  local t
  for t in $(seq 1 "$4"); do
    rpc_in "$1" "$2" "$3" '{}' --timeout 5 >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

fake_peers() { # fake_peers I: K unreachable 198.18.0.0/15 addresses, distinct per node
  python3 - "$1" "$FAKE" <<'EOF'
import sys
i, k = int(sys.argv[1]), int(sys.argv[2])
for j in range(k):
    print("--add-peer=198.%d.%d.%d:18080" % (18 + j % 2, (i * 61 + j // 2) % 256, 1 + (j * 7 + i) % 254))
EOF
}

start_node() { # start_node I
  local i=$1 ns dd j args=()
  ns=$(node_ns "$i"); dd="$TMP/n$i"; mkdir -p "$dd"
  for j in $(seq 1 "$NODES"); do [ "$j" = "$i" ] || args+=("--add-priority-node=$NET.$j:$P2P"); done
  mapfile -t -O "${#args[@]}" args < <(fake_peers "$i")
  start_in "$ns" "$dd/stdout.log" monerod --regtest --fixed-difficulty 1 --non-interactive \
    --no-igd --disable-dns-checkpoints --check-updates disabled --no-zmq \
    --data-dir "$dd" --log-file "$dd/monerod.log" --log-level 0 --db-sync-mode fastest \
    --p2p-bind-ip "$NET.$i" --p2p-bind-port $P2P \
    --rpc-bind-ip "$NET.$i" --rpc-bind-port $RPCP --confirm-external-bind \
    "${args[@]}"
  echo "${PIDS[-1]}" >"$dd/pid"
  wait_rpc "$i" $RPCP get_info 300 || die 5 "monerod $i did not answer RPC (see $dd/monerod.log)"
  log "monerod $i up in $ns ($NET.$i, pid ${PIDS[-1]}, ${#args[@]} peer options)"
}

stop_node() { # stop_node I: SIGTERM our monerod I, wait for it, forget its PID
  local i=$1 pid k q=()
  pid=$(cat "$TMP/n$i/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for k in "${PIDS[@]}"; do [ "$k" = "$pid" ] || q+=("$k"); done
  PIDS=("${q[@]}")
  log "monerod $i stopped"
}

EVENTS="$TMP/events.jsonl"
event() { # event KIND JSON-FIELDS
  printf '{"t":%s,"event":"%s"%s}\n' "$(date +%s)" "$1" "${2:+,$2}" >>"$EVENTS"
}

height_of() { rpc_in "$1" $RPCP get_info '{}' --timeout 20 --field height 2>/dev/null; }

gen_blocks() { # gen_blocks NODE COUNT ADDRESS: in batches of <= 10; monerod 0.18.0.0 sometimes
  # closes the RPC connection of a long generateblocks call, so success is judged by the height.
  local left=$2 n h0 h t
  while [ "$left" -gt 0 ]; do
    n=$(( left > 10 ? 10 : left ))
    h0=$(height_of "$1") || die 5 "get_info failed on node $1"
    rpc_in "$1" $RPCP generateblocks "{\"amount_of_blocks\":$n,\"wallet_address\":\"$3\"}" --timeout 120 >/dev/null 2>&1 || true
    for t in $(seq 1 120); do
      h=$(height_of "$1") || h=0
      [ "$h" -ge $((h0 + n)) ] && break
      sleep 1
    done
    [ "$h" -ge $((h0 + n)) ] || die 5 "generateblocks on node $1: height $h, expected $((h0 + n))"
    left=$((left - n))
  done
  event generateblocks "\"node\":$1,\"count\":$2,\"height\":$h"
  log "node $1 generated $2 blocks (height $h)"
}

# ---------------------------------------------------------------------------------------------
build_topology
if [ -n "$INJECT" ]; then
  ns1=$(node_ns 1)
  if [ "$INJECT" = default ]; then
    ip -n "$ns1" route add default via "$NET.254" dev eth0
  else
    ip -n "$ns1" route add 203.0.113.0/24 via "$NET.254" dev eth0
  fi
  log "injected a $INJECT route into $ns1 (test of the guard)"
fi
if ! guard_all; then
  die 3 "safety guard refused: a namespace can reach outside 198.51.100.0/24"
fi
log "guard OK: ${#NSES[@]} namespaces ($P-*), no default route, no route out of $NET.0/24"
if [ "$CHECK_ONLY" = 1 ]; then
  exit 0
fi

mkdir -p "$OUTDIR"
CAP="$TMP/$NAME.pcapng"
guard_ns "$BR" || die 3 "guard refused the bridge namespace"
ip netns exec "$BR" dumpcap -q -i br0 -s 0 -f tcp -w "$CAP" >"$TMP/dumpcap.log" 2>&1 &
DUMPCAP_PID=$!
for _ in $(seq 1 50); do [ -s "$CAP" ] && break; sleep 0.2; done
[ -s "$CAP" ] || die 5 "dumpcap did not start: $(cat "$TMP/dumpcap.log")"
T0=$(date +%s)
event capture_start ""

# nodes 1..N-1 now; the last node joins later so that chain sync (2006/2007/2003/2004) and the
# txpool complement (2010) appear on the wire.
ADDR_A="" ADDR_B=""
if [ "$WALLET" = 1 ]; then
  # wallet-rpc (talks only to its own node's RPC address) starts while the daemons start
  for i in 1 2; do
    mkdir -p "$TMP/w$i"
    start_in "$(node_ns "$i")" "$TMP/w$i/stdout.log" monero-wallet-rpc \
      --daemon-address "$NET.$i:$RPCP" --trusted-daemon --rpc-bind-ip "$NET.$i" --rpc-bind-port $WRPC \
      --confirm-external-bind --disable-rpc-login --wallet-dir "$TMP/w$i" --log-file "$TMP/w$i/wallet.log" \
      --non-interactive
  done
fi
for i in $(seq 1 $((NODES - 1))); do start_node "$i"; event node_start "\"node\":$i"; done

if [ "$WALLET" = 1 ]; then
  for i in 1 2; do
    wait_rpc "$i" $WRPC get_version 300 || die 5 "wallet-rpc $i did not start"
    rpc_in "$i" $WRPC create_wallet '{"filename":"w","language":"English"}' --timeout 600 >/dev/null || die 5 "create_wallet $i"
  done
  ADDR_A=$(rpc_in 1 $WRPC get_address '{}' --timeout 300 --field address)
  ADDR_B=$(rpc_in 2 $WRPC get_address '{}' --timeout 300 --field address)
  log "wallets: A=${ADDR_A:0:12}... (node 1) B=${ADDR_B:0:12}... (node 2)"
else
  # a valid mainnet-format address is all generateblocks needs (regtest uses mainnet prefixes)
  ADDR_A=44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A
  ADDR_B=$ADDR_A
fi

sleep 5
gen_blocks 1 80 "$ADDR_A"            # coinbase unlock window is 60 blocks
sleep 10
start_node "$NODES"; event node_start "\"node\":$NODES"   # late joiner: syncs 80+ blocks

transfer() { # transfer AMOUNT_ATOMIC
  local out
  rpc_in 1 $WRPC refresh '{}' --timeout 300 >/dev/null 2>&1 || true
  if out=$(rpc_in 1 $WRPC transfer "{\"destinations\":[{\"amount\":$1,\"address\":\"$ADDR_B\"}],\"priority\":1}" --timeout 300 --field tx_hash 2>&1); then
    event transfer "\"from\":1,\"amount\":$1,\"tx_hash\":\"$out\""
    log "transfer $1 -> tx $out"
  else
    event transfer_failed "\"from\":1,\"error\":$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1][:300]))' "$out")"
    log "transfer failed: $out"
  fi
}

round=0
# at least 4 rounds (transfers, blocks, one node restart) even on a slow machine, then until
# DURATION seconds after the capture started
while [ $round -lt 4 ] || [ $(( $(date +%s) - T0 )) -lt $((DURATION - 20)) ]; do
  round=$((round + 1))
  if [ "$WALLET" = 1 ] && [ $round -le 4 ]; then
    transfer $((1000000000 * round))
    sleep 15
  fi
  node=$(( (round % NODES) + 1 ))
  gen_blocks "$node" 1 "$ADDR_B"
  if [ $round = 3 ] && [ "$NODES" -ge 3 ]; then
    # an honest restart: same IP, new random peer_id, fresh connections
    # (node 3: never hosts a wallet, so the wallets keep their daemons)
    stop_node 3; event node_stop '"node":3'
    sleep 5
    start_node 3; event node_start '"node":3'
  fi
  sleep 40
done

# graceful shutdown: daemons first (their connections close on the wire), then the capture
log "stopping daemons"
for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for _ in $(seq 1 60); do
  alive=0; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break; sleep 0.5
done
sleep 2
kill -TERM "$DUMPCAP_PID" 2>/dev/null || true
wait "$DUMPCAP_PID" 2>/dev/null || true
DUMPCAP_PID=""
event capture_stop ""

cp "$CAP" "$OUTDIR/$NAME.pcapng"
python3 - "$EVENTS" "$OUTDIR/$NAME.meta.json" "$NODES" "$DURATION" "$FAKE" "$WALLET" "$T0" <<'EOF'
import json, subprocess, sys
ev_path, out, nodes, dur, fake, wallet, t0 = sys.argv[1:8]
events = [json.loads(l) for l in open(ev_path)]
for e in events:
    e["t"] -= int(t0)
ver = subprocess.run(["monerod", "--version"], capture_output=True, text=True).stdout.strip()
pkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "monero"], capture_output=True, text=True).stdout.strip()
meta = {"monerod": ver, "debian_package": "monero " + pkg, "nodes": int(nodes),
        "addresses": ["198.51.100.%d" % i for i in range(1, int(nodes) + 1)],
        "duration_s": int(dur), "fake_add_peers_per_node": int(fake), "wallet": wallet == "1",
        "options": "--regtest --fixed-difficulty 1 --no-igd --disable-dns-checkpoints "
                   "--check-updates disabled --no-zmq --db-sync-mode fastest",
        "events": events}
json.dump(meta, open(out, "w"), indent=1)
EOF
log "wrote $OUTDIR/$NAME.pcapng ($(stat -c %s "$OUTDIR/$NAME.pcapng") bytes) and $NAME.meta.json"
python3 "$census" "$OUTDIR/$NAME.pcapng" || true
