#!/usr/bin/env python3
"""Guess a room PIN over SIP with many calls at once (guard_test.go).

usage: guess_pin.py HOST PORT ROOM SECONDS CALLS

CALLS threads, all from 127.0.0.1, each calls ROOM (INVITE offering PCMU
and telephone-event), ACKs the 200 and then types PINs as SIP INFO
(application/dtmf-relay, one request per key, "NNNN#" with NNNN counting
up) as fast as Parley answers, never waiting for a prompt. When Parley
hangs up (BYE) the thread answers 200 and calls again, until SECONDS have
passed. Prints one JSON line: PINs sent, calls made, elapsed seconds.
The PINs Parley actually checked are counted from its log by the test.
Python 3 standard library only.
"""
import json
import os
import socket
import sys
import threading
import time


class Hangup(Exception):
    pass


class Caller:
    def __init__(self, host, port, room, first):
        self.dst = (host, port)
        self.room = room
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.lport = self.sock.getsockname()[1]
        self.guess = first
        self.pins = 0
        self.calls = 0

    def send(self, text):
        self.sock.sendto(text.replace("\n", "\r\n").encode(), self.dst)

    def headers(self, method, cseq, extra=""):
        return ("Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s;rport\n"
                "From: <sip:guesser@127.0.0.1:%d>;tag=%s\n"
                "To: <sip:%s@%s:%d>%s\n"
                "Call-ID: %s\n"
                "CSeq: %d %s\n"
                "Max-Forwards: 70\n") % (self.lport, os.urandom(6).hex(), self.lport, self.tag,
                                          self.room, self.dst[0], self.dst[1], self.totag, self.callid, cseq, method)

    def recv(self, method):
        """Returns the final response to method, answering a BYE with 200 (Hangup)."""
        while True:
            data = self.sock.recv(65535).decode("utf-8", "replace")
            first = data.split("\r\n", 1)[0]
            if first.startswith("BYE "):
                self.reply(data, "200 OK")
                raise Hangup()
            if not first.startswith("SIP/2.0 "):
                self.reply(data, "200 OK")  # an OPTIONS or such
                continue
            if ("CSeq:" in data or "cseq:" in data.lower()) and (" " + method) not in self.cseq_of(data):
                continue
            status = int(first.split(" ")[1])
            if status >= 200:
                return status, data

    @staticmethod
    def cseq_of(data):
        for line in data.split("\r\n"):
            if line.lower().startswith("cseq:"):
                return line
        return ""

    def reply(self, req, status):
        hs = [l for l in req.split("\r\n") if l.split(":")[0].lower() in ("via", "from", "to", "call-id", "cseq", "v", "f", "t", "i")]
        self.sock.sendto(("SIP/2.0 %s\r\n%s\r\nContent-Length: 0\r\n\r\n" % (status, "\r\n".join(hs))).encode(), self.dst)

    def call(self, deadline):
        self.calls += 1
        self.callid, self.tag, self.totag = os.urandom(8).hex(), os.urandom(4).hex(), ""
        sdp = ("v=0\no=g 1 1 IN IP4 127.0.0.1\ns=g\nc=IN IP4 127.0.0.1\nt=0 0\n"
               "m=audio %d RTP/AVP 0 101\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n"
               "a=fmtp:101 0-16\na=sendrecv\n") % self.rtp.getsockname()[1]
        self.send("INVITE sip:%s@%s:%d SIP/2.0\n%sContact: <sip:guesser@127.0.0.1:%d>\n"
                  "Content-Type: application/sdp\nContent-Length: %d\n\n" %
                  (self.room, self.dst[0], self.dst[1], self.headers("INVITE", 1), self.lport, len(sdp.replace("\n", "\r\n"))) + sdp)
        status, res = self.recv("INVITE")
        if status != 200:
            time.sleep(0.5)
            return
        for line in res.split("\r\n"):
            if line.lower().startswith(("to:", "t:")) and "tag=" in line:
                self.totag = ";tag=" + line.split("tag=")[1].split(";")[0]
        target = "sip:%s@%s:%d" % (self.room, self.dst[0], self.dst[1])
        for line in res.split("\r\n"):
            if line.lower().startswith(("contact:", "m:")):
                target = line.split("<", 1)[1].split(">", 1)[0]
        self.send("ACK %s SIP/2.0\n%sContent-Length: 0\n\n" % (target, self.headers("ACK", 1)))
        cseq = 2
        try:
            while time.monotonic() < deadline:
                self.guess += 1
                for key in "%04d#" % (self.guess % 10000):
                    body = "Signal=%s\nDuration=100\n" % key
                    self.send("INFO %s SIP/2.0\n%sContent-Type: application/dtmf-relay\nContent-Length: %d\n\n" %
                              (target, self.headers("INFO", cseq), len(body.replace("\n", "\r\n"))) + body)
                    cseq += 1
                    self.recv("INFO")
                self.pins += 1
            self.send("BYE %s SIP/2.0\n%sContent-Length: 0\n\n" % (target, self.headers("BYE", cseq)))
        except Hangup:
            pass

    def run(self, deadline):
        while time.monotonic() < deadline:
            try:
                self.call(deadline)
            except (socket.timeout, Hangup):
                pass


def main():
    host, port, room, seconds, calls = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
    start = time.monotonic()
    deadline = start + seconds
    callers = [Caller(host, port, room, 1000 * i) for i in range(calls)]
    threads = [threading.Thread(target=c.run, args=(deadline,)) for c in callers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"pins": sum(c.pins for c in callers), "calls": sum(c.calls for c in callers),
                      "elapsed": time.monotonic() - start}))


if __name__ == "__main__":
    main()
