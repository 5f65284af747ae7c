#!/usr/bin/env bash
# Records the h323plus-*.pcap captures: a call between two H323Plus
# endpoints (../../../../../shared/peers/h323, the h323peer of issue 16) on
# loopback, the listener on 127.0.0.5:21720, the caller (which connects
# from 127.0.0.1) with its listener on 127.0.0.6:21721; TCP only (no RTP).
# The caller types the digits 1 and 9 at 4.5 s and 5 s (UserInputIndication,
# or Q.931 keypad with fast start and no H.245) and hangs up at 6 s.
#
#   record-h323plus.sh PEERDIR OUT.pcap "LISTENER-OPTIONS" "CALLER-OPTIONS"
#
#   h323plus-faststart.pcap  ""    and "-f -f": fast start both sides
#   h323plus-tunnelled.pcap  ""    and "--play tone.wav": slow start, H.245
#                            tunnelled; the 3 s tone ends, so the caller
#                            closes its channel (closeLogicalChannel)
#   h323plus-separate.pcap   "-T"  and "-T --play tone.wav": H.245 on a
#                            connection of its own
#
# (the faststart capture was made with "-f" and "-f"; tone.wav is
# `sox -n -r 8000 -c 1 -b 16 -e signed-integer tone.wav synth 3 sine 440 vol 0.5`.)
# Needs root (or capture rights) for tshark on lo.
set -u
peer=$1/h323peer out=$2 lopts=$3 copts=$4
rm -f "$out"
tshark -i lo -f 'tcp and host 127.0.0.5' -w "$out" 2>cap.err &
cap=$!
for _ in $(seq 50); do grep -q Capturing cap.err 2>/dev/null && break; sleep 0.1; done
# shellcheck disable=SC2086
"$peer" -l -a -n $lopts -i 127.0.0.5 -x 21720 -u roomsys -S >listener.log 2>&1 &
lst=$!
sleep 1
# shellcheck disable=SC2086
(sleep 4.5; echo 1; sleep 0.5; echo 9; sleep 1; echo H; sleep 2; echo X) |
  "$peer" -n $copts -i 127.0.0.6 -x 21721 -u caller roomsys@127.0.0.5:21720 >caller.log 2>&1
sleep 1
kill "$lst"; wait "$lst" 2>/dev/null
sleep 1
kill "$cap"; wait "$cap" 2>/dev/null
