#!/usr/bin/env bash
# shmhub bridge over loopback, all in C (so it also runs under ASan+UBSan): usage errors, a lossless
# run checked byte for byte, back-pressure (a stopped receiver: the sender drops to latest-value,
# counts it, and its memory stays bounded), hostile packets (counted and logged, never a crash),
# CURVE with a client-key allow-list and an address allow-list. Bounded: every wait has a limit.
# Usage: test_bridge_loopback.sh BIN_DIR BRIDGE_PRODUCER BRIDGE_BADPEER
set -euo pipefail
BIN=$1 PROD=$2 BAD=$3
SH=$BIN/shmhub
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/a" "$WORK/b"
A=$WORK/a B=$WORK/b
EP=tcp://127.0.0.1:$PORT

# ---- usage and bad arguments
rc=0; "$SH" bridge >/dev/null 2>"$WORK/u.err" || rc=$?; [[ $rc == 2 ]] || fail "bridge without a command exited $rc"
rc=0; "$SH" bridge send s >/dev/null 2>"$WORK/u.err" || rc=$?; [[ $rc == 2 ]] && grep -q -- "--to" "$WORK/u.err" || fail "send without --to: rc $rc"
rc=0; "$SH" bridge frob >/dev/null 2>"$WORK/u.err" || rc=$?; [[ $rc == 2 ]] && grep -q "unknown bridge command 'frob'" "$WORK/u.err" || fail "unknown subcommand: rc $rc"
rc=0; "$SH" bridge recv --bind bogus://x >/dev/null 2>"$WORK/u.err" || rc=$?; [[ $rc == 1 ]] && grep -q "cannot bind 'bogus://x'" "$WORK/u.err" || fail "bad endpoint: rc $rc"
rc=0; "$SH" bridge recv --bind "$EP" 'bad/name' >/dev/null 2>"$WORK/u.err" || rc=$?; [[ $rc == 2 ]] || fail "bad stream name: rc $rc"
rc=0; SHMHUB_DIR=$A "$SH" bridge send nosuch --to "$EP" --open-timeout 0.2 >/dev/null 2>"$WORK/u.err" || rc=$?
[[ $rc == 1 ]] && grep -q "nosuch" "$WORK/u.err" || fail "missing stream: rc $rc, $(cat "$WORK/u.err")"
"$SH" help bridge | grep -q "shmhub bridge send STREAM" || fail "help bridge"
pass "usage errors"


# ---- lossless: 400 frames of 40000 bytes, checked byte for byte on the receiving side
SHMHUB_DIR=$A "$SH" create clean --stream --dtype u1 --shape 40000 --slots 64
SHMHUB_DIR=$B "$SH" create clean --stream --dtype u1 --shape 40000 --slots 1024
SHMHUB_DIR=$B "$SH" bridge recv --bind "$EP" --stats "$WORK/rx.json" >"$WORK/rx.out" 2>"$WORK/rx.err" & RX=$!; PIDS+=($RX)
SHMHUB_DIR=$B "$PROD" check clean 40000 400 60000 >"$WORK/chk.out" 2>"$WORK/chk.err" & CHK=$!; PIDS+=($CHK)
SHMHUB_DIR=$A "$SH" bridge send clean --to "$EP" --stats "$WORK/tx.json" >"$WORK/tx.out" 2>"$WORK/tx.err" & TX=$!; PIDS+=($TX)
wait_until 30 json_true "$WORK/tx.json" 'd["subscribed"] == 1'
SHMHUB_DIR=$A "$PROD" clean 40000 400 500 >/dev/null
wait "$CHK" || fail "lossless: the consumer saw $(cat "$WORK/chk.out")"
check "$WORK/chk.out" 'd["frames"] == 400 and d["gaps"] == 0 and d["bad"] == 0 and d["first"] == 1' "lossless consumer"
wait_until 10 json_true "$WORK/rx.json" 'd["streams"]["clean"]["frames"] == 400'
check "$WORK/rx.json" 'd["streams"]["clean"]["missed"] == 0 and d["rejected"] == 0' "lossless receiver"
pass "lossless: 400 frames byte-identical, 0 missed"

# ---- back-pressure: the receiver stops (SIGSTOP) while 6000 frames (240 MB) are written; the sender
# keeps a bounded queue, drops to the newest frame (counted), and the newest frame still arrives.
SHMHUB_DIR=$A "$SH" create slow --stream --dtype u1 --shape 40000 --slots 64
SHMHUB_DIR=$B "$SH" create slow --stream --dtype u1 --shape 40000 --slots 4096
SHMHUB_DIR=$B "$PROD" check slow 40000 6000 90000 >"$WORK/chk2.out" 2>"$WORK/chk2.err" & CHK=$!; PIDS+=($CHK)
# (Under ASan its quarantine of freed memory would count in the peak: keep it small for the sender.)
SHMHUB_DIR=$A ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1" "$SH" bridge send slow --to "$EP" --queue-bytes 4000000 --stats "$WORK/tx2.json" >"$WORK/tx2.out" 2>"$WORK/tx2.err" & TX2=$!; PIDS+=($TX2)
wait_until 30 json_true "$WORK/tx2.json" 'd["subscribed"] == 1'
kill -STOP "$RX"
SHMHUB_DIR=$A "$PROD" slow 40000 6000 20 >/dev/null
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$TX2/status")
kill -CONT "$RX"
wait "$CHK" || fail "back-pressure: the consumer saw $(cat "$WORK/chk2.out")"
wait_until 20 json_true "$WORK/rx.json" 'd["streams"]["slow"]["last_seq"] == 6000'
sleep 0.6  # one more stats period of the sender
check "$WORK/tx2.json" 'd["dropped"] > 0' "back-pressure: the sender counts what it drops"
check "$WORK/rx.json" 'd["streams"]["slow"]["missed"] > 0 and d["streams"]["slow"]["restarts"] == 0' "back-pressure receiver"
check "$WORK/rx.json" 'd["streams"]["slow"]["frames"] + d["streams"]["slow"]["missed"] == d["streams"]["slow"]["last_seq"] - d["streams"]["slow"]["first_seq"] + 1' "every frame delivered or counted missed"
rx_missed=$(jq_ "$WORK/rx.json" 'd["streams"]["slow"]["missed"]')
check "$WORK/chk2.out" "d['bad'] == 0 and d['local_missed'] == 0 and d['gaps'] == $rx_missed" "back-pressure consumer (gaps = receiver's missed)"
produced_kb=$((6000 * 40000 / 1024))
((hwm_kb * 2 < produced_kb)) || fail "the sender's peak memory ${hwm_kb} kB is not bounded (the producer wrote ${produced_kb} kB)"
pass "back-pressure: $(jq_ "$WORK/tx2.json" 'd["dropped"]') dropped to latest-value, $rx_missed missed, sender peak ${hwm_kb} kB for ${produced_kb} kB written"
kill "$TX" "$TX2"; kill -INT "$RX"; wait "$RX" || fail "the receiver did not exit cleanly"

# ---- hostile packets: counted, logged, never a crash; valid frames around them still land
PORT2=$((PORT + 1)); EP2=tcp://127.0.0.1:$PORT2
SHMHUB_DIR=$B "$SH" bridge recv --bind "$EP2" --count 4 --duration 60 --stats "$WORK/bad.json" >"$WORK/bad.out" 2>"$WORK/bad.err" & RXB=$!; PIDS+=($RXB)
"$BAD" "$EP2" hostile || fail "bridge_badpeer failed"
wait "$RXB" || fail "the receiver exited with an error after hostile packets"
check "$WORK/bad.json" 'd["frames"] == 4 and d["streams"]["hostile"]["missed"] == 6 and d["rejected"] == 7' "hostile packets"
for why in "header of 5 bytes" "bad magic" "header of 50 bytes" "payload of 15 bytes" "followed by more parts" "changed dtype or shape" "invalid stream name"; do
    grep -q "rejected a packet: .*$why" "$WORK/bad.err" || fail "no log line for '$why': $(cat "$WORK/bad.err")"
done
pass "hostile packets: 7 rejected with a log line each, 4 frames published, 6 missed"

# ---- address allow-list: a sender from 127.0.0.1 is refused when only 10.9.9.9 may connect
PORT3=$((PORT + 2)); EP3=tcp://127.0.0.1:$PORT3
SHMHUB_DIR=$A "$SH" create allowed --stream --dtype u1 --shape 64
SHMHUB_DIR=$B "$SH" bridge recv --bind "$EP3" --allow 10.9.9.9 --duration 3 --stats "$WORK/al.json" >"$WORK/al.out" 2>"$WORK/al.err" & RXA=$!; PIDS+=($RXA)
SHMHUB_DIR=$A "$SH" bridge send allowed --to "$EP3" --duration 2.5 -q >/dev/null 2>&1 & TXA=$!; PIDS+=($TXA)
SHMHUB_DIR=$A "$PROD" allowed 64 100 10000 >/dev/null
wait "$RXA" "$TXA"
check "$WORK/al.json" 'd["denied"] >= 1 and d["frames"] == 0' "address allow-list"
grep -q "denied a connection from 127.0.0.1" "$WORK/al.err" || fail "no log line for the denied address"
pass "address allow-list: 127.0.0.1 denied"

# ---- CURVE: encrypted, and only the allowed client key gets through
if "$SH" bridge keygen "$WORK/server.key" >"$WORK/server.pub" 2>"$WORK/kg.err"; then
    "$SH" bridge keygen "$WORK/client.key" >"$WORK/client.pub"
    "$SH" bridge keygen "$WORK/other.key" >/dev/null
    [[ $(stat -c %a "$WORK/server.key") == 600 ]] || fail "key file mode is not 0600"
    rc=0; "$SH" bridge keygen "$WORK/server.key" >/dev/null 2>&1 || rc=$?; [[ $rc == 1 ]] || fail "keygen overwrote a key file"
    PORT4=$((PORT + 3)); EP4=tcp://127.0.0.1:$PORT4
    SHMHUB_DIR=$A "$SH" create secret --stream --dtype u1 --shape 4096
    SHMHUB_DIR=$B "$SH" create secret --stream --dtype u1 --shape 4096 --slots 256
    SHMHUB_DIR=$B "$SH" bridge recv --bind "$EP4" --curve "$WORK/server.key" --allow-key "$(cat "$WORK/client.pub")" \
        --stats "$WORK/cv.json" >"$WORK/cv.out" 2>"$WORK/cv.err" & RXC=$!; PIDS+=($RXC)
    # A client with a key that is not allowed: denied, nothing published.
    SHMHUB_DIR=$A "$SH" bridge send secret --to "$EP4" --curve "$WORK/other.key" --server-key "$(cat "$WORK/server.pub")" \
        --duration 1.5 -q >/dev/null 2>&1 || true
    wait_until 5 json_true "$WORK/cv.json" 'd["denied"] >= 1'
    check "$WORK/cv.json" 'd["frames"] == 0' "CURVE: an unknown client key publishes nothing"
    SHMHUB_DIR=$B "$PROD" check secret 4096 200 60000 >"$WORK/chk3.out" 2>"$WORK/chk3.err" & CHK=$!; PIDS+=($CHK)
    SHMHUB_DIR=$A "$SH" bridge send secret --to "$EP4" --curve "$WORK/client.key" --server-key "$(cat "$WORK/server.pub")" \
        --stats "$WORK/tx4.json" >/dev/null 2>"$WORK/tx4.err" & TX4=$!; PIDS+=($TX4)
    wait_until 30 json_true "$WORK/tx4.json" 'd["subscribed"] == 1'
    SHMHUB_DIR=$A "$PROD" secret 4096 200 1000 >/dev/null
    wait "$CHK" || fail "CURVE: the consumer saw $(cat "$WORK/chk3.out")"
    check "$WORK/chk3.out" 'd["frames"] == 200 and d["gaps"] == 0 and d["bad"] == 0' "CURVE lossless"
    kill "$TX4" "$RXC"
    pass "CURVE: the allowed client's 200 frames byte-identical; another key denied"
else
    grep -q "no CURVE support" "$WORK/kg.err" || fail "keygen failed: $(cat "$WORK/kg.err")"
    echo "SKIP CURVE: $(cat "$WORK/kg.err")"
fi
wait
