#!/usr/bin/env bash
# shmhub bridge between two network namespaces joined by a veth pair (two "hosts" made by the test):
# a C producer and `bridge send` in one, `bridge recv` and a Python consumer (the shmhub package) in
# the other, each side with its own segment directory. Checks: frames byte-identical; under link
# loss (tc netem; tbf rate limiting where the kernel has no netem) the sender drops to latest-value,
# every gap is counted (delivered + missed = the sequence range; the consumer's gaps = the
# receiver's missed) and the newest frame arrives; a restarted receiver resumes into the same stream.
# Where namespaces cannot be made it says why and runs the same checks over loopback.
# Usage: test_bridge_netns.sh BIN_DIR BRIDGE_PRODUCER   (env XLANG_PY: the venv's python)
set -euo pipefail
BIN=$1 PROD=$2
SH=$BIN/shmhub
PY=${XLANG_PY:-python3}
CONSUMER=$(dirname "$0")/consumer.py
WORK=$(mktemp -d)
PIDS=()
NS1=shb$$a NS2=shb$$b V1=vsb$$a V2=vsb$$b
NETNS=0
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if ((NETNS)); then ip netns del "$NS1" 2>/dev/null || true; ip netns del "$NS2" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
"$PY" -c 'import shmhub, numpy' 2>"$WORK/py.err" || fail "the consumer needs the shmhub package in $PY: $(cat "$WORK/py.err")"
mkdir -p "$WORK/a" "$WORK/b"
A=$WORK/a B=$WORK/b

# ---- two namespaces and a veth pair, or loopback
octet=$((($$ % 250) + 1))
IP1=10.231.$octet.1 IP2=10.231.$octet.2
if ! command -v ip >/dev/null; then
    why="iproute2 ('ip') is not installed"
elif [[ $(id -u) != 0 ]]; then
    why="not root (network namespaces need CAP_NET_ADMIN)"
elif ! ip netns add "$NS1" 2>"$WORK/ns.err"; then
    why="ip netns add failed: $(cat "$WORK/ns.err")"
else
    NETNS=1
    if ip netns add "$NS2" 2>"$WORK/ns.err" && ip link add "$V1" type veth peer name "$V2" 2>>"$WORK/ns.err" &&
        ip link set "$V1" netns "$NS1" && ip link set "$V2" netns "$NS2" &&
        ip -n "$NS1" addr add "$IP1/24" dev "$V1" && ip -n "$NS2" addr add "$IP2/24" dev "$V2" &&
        ip -n "$NS1" link set "$V1" up && ip -n "$NS2" link set "$V2" up &&
        ip -n "$NS1" link set lo up && ip -n "$NS2" link set lo up 2>>"$WORK/ns.err"; then
        why=""
    else
        why="veth setup failed: $(cat "$WORK/ns.err")"
    fi
fi
if [[ -n $why ]]; then
    echo "SKIP network namespaces: $why; running over loopback instead"
    ((NETNS)) && { ip netns del "$NS1" 2>/dev/null || true; ip netns del "$NS2" 2>/dev/null || true; }
    NETNS=0
    IN1=() IN2=() EP_BIND=tcp://127.0.0.1:$PORT EP_TO=tcp://127.0.0.1:$PORT
else
    IN1=(ip netns exec "$NS1") IN2=(ip netns exec "$NS2")
    EP_BIND=tcp://$IP2:$PORT EP_TO=tcp://$IP2:$PORT
    echo "namespaces $NS1 ($IP1) and $NS2 ($IP2) joined by veth $V1/$V2"
fi
# Command prefixes (arrays, not functions: `cmd &` then gives the program's own pid to signal).
R1=("${IN1[@]}" env SHMHUB_DIR="$A") R2=("${IN2[@]}" env SHMHUB_DIR="$B")

start_recv() {  # start_recv STATS
    "${R2[@]}" "$SH" bridge recv --bind "$EP_BIND" --stats "$1" >"$1.out" 2>"$1.err" & RX=$!; PIDS+=($RX)
}

# ---- clean link: 300 frames of 40000 bytes, byte-identical in Python on the other side
for s in clean lossy resume; do
    "${R1[@]}" "$SH" create $s --stream --dtype u1 --shape 40000 --slots 64
    "${R2[@]}" "$SH" create $s --stream --dtype u1 --shape 40000 --slots 4096
done
start_recv "$WORK/rx1.json"
"${R2[@]}" "$PY" "$CONSUMER" clean 40000 300 60 >"$WORK/c1.out" 2>"$WORK/c1.err" & C=$!; PIDS+=($C)
"${R1[@]}" "$SH" bridge send clean lossy resume --to "$EP_TO" --stats "$WORK/tx.json" >"$WORK/tx.out" 2>"$WORK/tx.err" & TX=$!; PIDS+=($TX)
wait_until 30 json_true "$WORK/tx.json" 'd["subscribed"] == 1'
"${R1[@]}" "$PROD" clean 40000 300 1000 >/dev/null
wait "$C" || fail "clean: the Python consumer saw $(cat "$WORK/c1.out")"
check "$WORK/c1.out" 'd["frames"] == 300 and d["gaps"] == 0 and d["bad"] == 0 and d["first"] == 1' "clean link"
pass "clean link: 300 frames byte-identical in the Python consumer"

# ---- a lossy, slow link
if ((NETNS)); then
    if "${IN1[@]}" tc qdisc add dev "$V1" root netem loss 10% delay 5ms rate 20mbit 2>"$WORK/tc.err"; then
        link="netem loss 10% delay 5ms rate 20mbit"
    elif "${IN1[@]}" tc qdisc add dev "$V1" root tbf rate 20mbit burst 32kbit latency 50ms 2>>"$WORK/tc.err"; then
        link="tbf rate 20mbit (netem unavailable: $(head -n1 "$WORK/tc.err"))"
    else
        fail "tc could not shape $V1: $(cat "$WORK/tc.err")"
    fi
    echo "lossy link: $link"
    "${R2[@]}" "$PY" "$CONSUMER" lossy 40000 1500 90 >"$WORK/c2.out" 2>"$WORK/c2.err" & C=$!; PIDS+=($C)
    "${R1[@]}" "$PROD" lossy 40000 1500 500 >/dev/null
    wait "$C" || fail "lossy: the Python consumer saw $(cat "$WORK/c2.out")"
    wait_until 20 json_true "$WORK/rx1.json" 'd["streams"]["lossy"]["last_seq"] == 1500'
    sleep 0.6
    L='d["streams"]["lossy"]'
    check "$WORK/tx.json" "$L[\"dropped\"] > 0" "lossy: the sender counts its latest-value drops"
    check "$WORK/rx1.json" "$L[\"missed\"] > 0 and $L[\"frames\"] + $L[\"missed\"] == $L[\"last_seq\"] - $L[\"first_seq\"] + 1" "lossy: delivered + missed = the range"
    missed=$(jq_ "$WORK/rx1.json" "$L[\"missed\"]")
    check "$WORK/c2.out" "d['bad'] == 0 and d['local_missed'] == 0 and d['gaps'] == $missed and d['last'] == 1500" "lossy: the consumer's gaps = the receiver's missed"
    "${IN1[@]}" tc qdisc del dev "$V1" root
    pass "lossy link ($link): $(jq_ "$WORK/rx1.json" "$L[\"frames\"]") delivered byte-identical, $missed counted missed, newest frame arrived"
else
    echo "SKIP lossy link: needs the namespaces (tc on the host's loopback would disturb other tests); test_bridge_loopback covers back-pressure"
fi

# ---- a restarted receiver resumes into the same local stream
"${R2[@]}" "$PY" "$CONSUMER" resume 40000 400 90 >"$WORK/c3.out" 2>"$WORK/c3.err" & C=$!; PIDS+=($C)
"${R1[@]}" "$PROD" resume 40000 200 2000 >/dev/null
wait_until 20 json_true "$WORK/rx1.json" 'd["streams"]["resume"]["last_seq"] == 200'
kill -TERM "$RX"; wait "$RX" || fail "the receiver did not exit cleanly on SIGTERM"
wait_until 20 json_true "$WORK/tx.json" 'd["subscribed"] == 0'
start_recv "$WORK/rx2.json"
wait_until 30 json_true "$WORK/tx.json" 'd["subscribed"] == 1'
"${R1[@]}" "$PROD" resume 40000 200 2000 >/dev/null
wait "$C" || fail "resume: the Python consumer saw $(cat "$WORK/c3.out")"
check "$WORK/c3.out" 'd["frames"] == 400 and d["gaps"] == 0 and d["bad"] == 0' "resume: frames 1-400 in one local stream"
# The receiver writes its stats file periodically: wait for the file to catch up before checking.
wait_until 20 json_true "$WORK/rx2.json" 'd["streams"]["resume"]["frames"] == 200'
check "$WORK/rx2.json" 'd["streams"]["resume"]["first_seq"] == 201 and d["streams"]["resume"]["frames"] == 200' "resume: the new receiver"
pass "restarted receiver: resumed into the same stream, 400 frames byte-identical"
kill "$TX" "$RX"
wait
