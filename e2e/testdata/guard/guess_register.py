#!/usr/bin/env python3
"""Guess a registrar password as fast as Parley answers (guard_test.go).

usage: guess_register.py HOST PORT TARGET_EXT SECONDS SOURCES [OWN_EXT OWN_PW]

From each of SOURCES loopback addresses (127.0.0.2, 127.0.0.3, ...; one
after the other, round robin per guess) it sends REGISTER for TARGET_EXT
with a wrong password and digest credentials (MD5, qop=auth) answering a
fresh challenge, one request in flight at a time. With OWN_EXT and OWN_PW it
also registers that extension rightly from the same source after every
guess: the attack that reset the registrar's old failure count. Prints one
JSON line: guesses verified (401 to credentials), refused (403), own
successes (200), elapsed seconds. Python 3 standard library only.
"""
import hashlib
import json
import os
import re
import socket
import sys
import time


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


class Phone:
    def __init__(self, ip, host, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.sock.settimeout(2)
        self.ip, self.lport = self.sock.getsockname()
        self.dst = (host, port)
        self.n = 0

    def request(self, ext, auth=None, call_id=None):
        self.n += 1
        uri = "sip:%s:%d" % self.dst
        lines = [
            "REGISTER %s SIP/2.0" % uri,
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s;rport" % (self.ip, self.lport, os.urandom(6).hex()),
            "From: <sip:%s@%s>;tag=%s" % (ext, self.dst[0], os.urandom(4).hex()),
            "To: <sip:%s@%s>" % (ext, self.dst[0]),
            "Call-ID: %s" % call_id,
            "CSeq: %d REGISTER" % self.n,
            "Contact: <sip:%s@%s:%d>" % (ext, self.ip, self.lport),
            "Max-Forwards: 70",
            "Expires: 60",
        ]
        if auth:
            lines.append("Authorization: " + auth)
        lines += ["Content-Length: 0", "", ""]
        self.sock.sendto("\r\n".join(lines).encode(), self.dst)
        while True:
            data = self.sock.recv(65535).decode("utf-8", "replace")
            status = int(data.split(" ", 2)[1])
            if status >= 200:
                return status, data

    def register(self, ext, password):
        call_id = os.urandom(8).hex()
        status, res = self.request(ext, call_id=call_id)
        if status != 401:
            return status
        ch = None
        for m in re.finditer(r"^WWW-Authenticate:\s*Digest (.*)$", res, re.M | re.I):
            if 'algorithm=MD5' in m.group(1) or 'algorithm' not in m.group(1):
                ch = m.group(1)
                break
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', ch))
        uri = "sip:%s:%d" % self.dst
        ha1 = md5("%s:%s:%s" % (ext, params["realm"], password))
        ha2 = md5("REGISTER:" + uri)
        cnonce, nc = os.urandom(4).hex(), "00000001"
        resp = md5("%s:%s:%s:%s:auth:%s" % (ha1, params["nonce"], nc, cnonce, ha2))
        auth = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5, '
                'qop=auth, nc=%s, cnonce="%s"') % (ext, params["realm"], params["nonce"], uri, resp, nc, cnonce)
        if "opaque" in params:
            auth += ', opaque="%s"' % params["opaque"]
        status, _ = self.request(ext, auth=auth, call_id=call_id)
        return status


def main():
    host, port, target, seconds, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
    own = sys.argv[6:8] if len(sys.argv) >= 8 else None
    phones = [Phone("127.0.0.%d" % (2 + i % 250), host, port) for i in range(sources)]
    counts = {"verified": 0, "refused": 0, "own_ok": 0, "other": 0}
    start = time.monotonic()
    i = 0
    while time.monotonic() - start < seconds:
        p = phones[i % len(phones)]
        i += 1
        try:
            st = p.register(target, "wrong-%d" % i)
        except socket.timeout:
            counts["other"] += 1
            continue
        counts["verified" if st == 401 else "refused" if st == 403 else "other"] += 1
        if own:
            try:
                if p.register(own[0], own[1]) == 200:
                    counts["own_ok"] += 1
            except socket.timeout:
                pass
    counts["elapsed"] = time.monotonic() - start
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
