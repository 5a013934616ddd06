#!/usr/bin/env python3
"""fork_proxy.py - a minimal forking SIP proxy over UDP, for tests only
(RFC 3261 16: parallel forking of an INVITE to several targets).

usage: fork_proxy.py LISTEN_PORT TARGET_PORT[+DELAY_MS] ... [--no-100rel] [--seconds S]

Listens on 127.0.0.1:LISTEN_PORT. An INVITE (the first of each Call-ID and
CSeq; retransmissions are absorbed, a 100 Trying stops them) is sent to
every 127.0.0.1:TARGET_PORT, DELAY_MS later for a target written PORT+MS,
each branch under a Via of ours on top (branch parameter per target);
--no-100rel drops the 100rel option tag from its Supported header (Sofia's
nua follows only the first early dialog of reliable 183s). Responses to a
branch go upstream without our Via: every provisional one, so the caller
sees each early dialog with its own To-tag (RFC 3261 12.1), and the first
2xx (and its retransmissions); when a 2xx came, every other branch gets a
CANCEL (16.7 step 10) and its final response is absorbed and, when not a
2xx, acknowledged (17.1.1.3). Requests inside a dialog go to the UAs'
Contacts, not here. Prints one line per event to stdout.
"""
import re
import select
import socket
import sys
import time

HOST = "127.0.0.1"


def hdr(msg, name):
    m = re.search(r"(?im)^" + name + r"\s*:\s*(.*?)\r$", msg)
    return m.group(1) if m else None


def split(msg):
    head, _, body = msg.partition("\r\n\r\n")
    return head.split("\r\n"), body


def main():
    args = [a for a in sys.argv[1:]]
    no100rel = "--no-100rel" in args
    seconds = 30.0
    if "--seconds" in args:
        seconds = float(args[args.index("--seconds") + 1])
        del args[args.index("--seconds"):args.index("--seconds") + 2]
    args = [a for a in args if a != "--no-100rel"]
    port = int(args[0])
    targets = []
    for t in args[1:]:
        p, _, d = t.partition("+")
        targets.append((int(p), int(d or 0) / 1000.0))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, port))
    calls = {}  # call key -> state
    pending = []  # (when, data, addr)
    end = time.time() + seconds
    while time.time() < end:
        now = time.time()
        for item in [p for p in pending if p[0] <= now]:
            pending.remove(item)
            s.sendto(item[1], item[2])
        timeout = min([p[0] for p in pending] + [now + 0.2]) - now
        r, _, _ = select.select([s], [], [], max(timeout, 0))
        if not r:
            continue
        data, src = s.recvfrom(65535)
        msg = data.decode("latin-1")
        lines, body = split(msg)
        first = lines[0]
        if not first.startswith("SIP/2.0"):
            if not first.startswith("INVITE "):
                print(f"fork_proxy: ignored {first}", flush=True)
                continue
            key = (hdr(msg, "Call-ID"), hdr(msg, "CSeq"))
            if key in calls:
                continue  # a retransmission
            st = {"up": src, "branches": [], "won": None, "ruri": first.split(" ")[1],
                  "invite": msg}
            calls[key] = st
            trying = [l for l in lines if re.match(r"(?i)^(via|from|to|call-id|cseq)\s*:", l)]
            s.sendto(("SIP/2.0 100 Trying\r\n" + "\r\n".join(trying) +
                      "\r\nContent-Length: 0\r\n\r\n").encode("latin-1"), src)
            for i, (tp, delay) in enumerate(targets):
                br = f"z9hG4bK-fork{i}-{abs(hash(key)) % 10**8}"
                out = []
                for l in lines:
                    if no100rel and re.match(r"(?i)^supported\s*:", l):
                        tags = [t.strip() for t in l.split(":", 1)[1].split(",")]
                        tags = [t for t in tags if t.lower() != "100rel"]
                        if not tags:
                            continue
                        l = "Supported: " + ", ".join(tags)
                    m = re.match(r"(?i)^max-forwards\s*:\s*(\d+)", l)
                    if m:
                        l = f"Max-Forwards: {max(int(m.group(1)) - 1, 0)}"
                    out.append(l)
                out.insert(1, f"Via: SIP/2.0/UDP {HOST}:{port};branch={br}")
                st["branches"].append({"branch": br, "port": tp, "final": None})
                pending.append((now + delay, ("\r\n".join(out) + "\r\n\r\n" + body).encode("latin-1"),
                                (HOST, tp)))
            print(f"fork_proxy: INVITE forked to {[t for t, _ in targets]}", flush=True)
            continue
        # a response: ours when its top Via is
        status = int(first.split(" ")[1])
        via_i = next((i for i, l in enumerate(lines) if re.match(r"(?i)^(via|v)\s*:", l)), None)
        if via_i is None:
            continue
        m = re.search(r"branch=([^;\s,]+)", lines[via_i])
        st = b = None
        for cst in calls.values():
            for cb in cst["branches"]:
                if m and cb["branch"] == m.group(1):
                    st, b = cst, cb
        if not b:
            continue
        cseq = hdr(msg, "CSeq") or ""
        if "CANCEL" in cseq:
            continue  # the 200 to our CANCEL
        # our Via off: the whole line, or its first value when the UAS
        # folded several into one (RFC 3261 7.3.1; SIPp does)
        name, _, vals = lines[via_i].partition(":")
        rest = vals.split(",", 1)[1].strip() if "," in vals else None
        kept = [f"{name}: {rest}"] if rest else []
        up = "\r\n".join(lines[:via_i] + kept + lines[via_i + 1:]) + "\r\n\r\n" + body
        tag = re.search(r"tag=([^;\s>]+)", hdr(msg, "To") or "")
        print(f"fork_proxy: {status} from {b['port']} tag={tag.group(1) if tag else ''}", flush=True)
        if status >= 200 and b["final"] is None:
            b["final"] = status
        if st["won"] is not None and b is not st["won"]:
            if status >= 300:  # a cancelled branch's 487: ACK it here
                inv = st["invite"]
                ack = (f"ACK {st['ruri']} SIP/2.0\r\nVia: SIP/2.0/UDP {HOST}:{port};branch={b['branch']}\r\n"
                       f"From: {hdr(inv, 'From')}\r\nTo: {hdr(msg, 'To')}\r\nCall-ID: {hdr(inv, 'Call-ID')}\r\n"
                       f"CSeq: {cseq.split()[0]} ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
                s.sendto(ack.encode("latin-1"), (HOST, b["port"]))
            continue
        if 200 <= status < 300 and st["won"] is None:
            st["won"] = b
            inv = st["invite"]
            for ob in st["branches"]:
                if ob is b or ob["final"] is not None:
                    continue
                cancel = (f"CANCEL {st['ruri']} SIP/2.0\r\nVia: SIP/2.0/UDP {HOST}:{port};branch={ob['branch']}\r\n"
                          f"From: {hdr(inv, 'From')}\r\nTo: {hdr(inv, 'To')}\r\nCall-ID: {hdr(inv, 'Call-ID')}\r\n"
                          f"CSeq: {hdr(inv, 'CSeq').split()[0]} CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
                s.sendto(cancel.encode("latin-1"), (HOST, ob["port"]))
                print(f"fork_proxy: CANCEL to {ob['port']}", flush=True)
        s.sendto(up.encode("latin-1"), st["up"])


if __name__ == "__main__":
    main()
