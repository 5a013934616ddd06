#!/usr/bin/python3
"""A WebRTC endpoint that calls over SIP: GStreamer's webrtcbin (full ICE
through libnice, DTLS-SRTP, bundle-policy max-bundle) with audio and video,
its SDP carried in a SIP INVITE by a small UDP SIP UA of its own (RFC 3261:
INVITE, ACK, BYE; answers a BYE or an OPTIONS from the peer).

usage: webrtc_sip_peer.py --sip LOCAL_IP:PORT (--call sip:USER@HOST:PORT | --answer)
                          [--duration S] [--timeout S] [--out FILE]

SIP has no trickle ICE here, so the offer (--call) or the answer
(--answer: the callee of one call, answering its INVITE with 200 OK) goes
out once ICE gathering is complete, every host candidate in it. Media: audiotestsrc -> PCMU (payload
type 0) and videotestsrc -> VP8 (payload type 96), both live; what arrives
is decrypted by webrtcbin (srtpdec, keyed by the DTLS handshake) and
dropped in fakesinks, never decoded (the peer may send dummy payloads).
As the caller, after --duration seconds of media the call ends with BYE;
as the callee, when the caller's BYE comes.

Prints one JSON line (and writes it to --out): the SIP status, the ICE and
connection states, the answer's BUNDLE group and ICE-lite, and per kind
(audio, video) the RTP packets that came out of webrtcbin's src pads (past
its srtpdec: only what authenticated and decrypted) and the packets it sent
(get-stats' outbound-rtp, by each payloader's SSRC).
Exit status 0 when the call was answered, ICE connected and packets of both
kinds were decrypted in and sent out; 1 otherwise; 2 for bad usage.
"""
import argparse
import json
import random
import re
import socket
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

PIPELINE = (
    "webrtcbin name=w bundle-policy=max-bundle latency=100 "
    "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! "
    "audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=apay pt=0 ! "
    "application/x-rtp,media=audio,encoding-name=PCMU,payload=0,clock-rate=8000 ! w. "
    "videotestsrc is-live=true pattern=ball ! "
    "video/x-raw,width=160,height=120,framerate=15/1 ! videoconvert ! "
    "vp8enc deadline=1 keyframe-max-dist=15 ! rtpvp8pay name=vpay pt=96 ! "
    "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! w. "
)


def rand_token(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


class Sip:
    """A minimal SIP UAC over UDP for one call (RFC 3261 17.1.1, 13, 15)."""

    def __init__(self, local, target):
        self.lhost, lport = local.rsplit(":", 1)
        self.lport = int(lport)
        self.peer = None  # a callee's: the INVITE's source
        self.invite = None  # a callee's: (hdrs, body) of the INVITE
        if target:
            m = re.match(r"sip:([^@]+)@([^:;>]+):(\d+)", target)
            if not m:
                raise ValueError("--call must be sip:USER@HOST:PORT")
            self.peer = (m.group(2), int(m.group(3)))
        target = target or "sip:webrtc@%s:%d" % (self.lhost, self.lport)
        self.target = target
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.lhost, self.lport))
        self.sock.setblocking(False)
        self.call_id = rand_token(16) + "@" + self.lhost
        self.from_tag = rand_token(8)
        self.to = "<%s>" % target
        self.remote_target = target
        self.cseq = 0
        self.status = 0
        self.answer = None
        self.acked = False
        self.ended_by_peer = False

    def contact(self):
        return "<sip:webrtc@%s:%d>" % (self.lhost, self.lport)

    def request(self, method, uri, body="", to=None, cseq=None, branch=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        branch = branch or "z9hG4bK" + rand_token(12)
        hdr = [
            "%s %s SIP/2.0" % (method, uri),
            "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (self.lhost, self.lport, branch),
            "Max-Forwards: 70",
            "From: <sip:webrtc@%s:%d>;tag=%s" % (self.lhost, self.lport, self.from_tag),
            "To: %s" % (to or self.to),
            "Call-ID: %s" % self.call_id,
            "CSeq: %d %s" % (cseq, method),
            "Contact: %s" % self.contact(),
            "User-Agent: webrtc_sip_peer (GStreamer webrtcbin)",
        ]
        if body:
            hdr.append("Content-Type: application/sdp")
        hdr.append("Content-Length: %d" % len(body.encode()))
        msg = "\r\n".join(hdr) + "\r\n\r\n" + body
        self.sock.sendto(msg.encode(), self.peer)
        return msg, cseq

    @staticmethod
    def parse(data):
        text = data.decode(errors="replace")
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        return lines[0], hdrs, body

    def reply(self, hdrs, code, reason, body="", to_tag=None):
        out = ["SIP/2.0 %d %s" % (code, reason)]
        for k in ("via", "from", "to", "call-id", "cseq"):
            for v in hdrs.get(k, []):
                if k == "to" and to_tag and ";tag=" not in v:
                    v += ";tag=" + to_tag
                out.append("%s: %s" % (k.title(), v))
        if body:
            out.append("Contact: %s" % self.contact())
            out.append("Content-Type: application/sdp")
        out.append("Content-Length: %d" % len(body.encode()))
        msg = "\r\n".join(out) + "\r\n\r\n" + body
        self.sock.sendto(msg.encode(), self.peer)
        return msg

    def poll(self):
        """Handle what arrived: responses (returned) and requests."""
        got = []
        while True:
            try:
                data, src = self.sock.recvfrom(65535)
            except BlockingIOError:
                return got
            first, hdrs, body = self.parse(data)
            if first.startswith("SIP/2.0"):
                got.append((int(first.split()[1]), hdrs, body))
                continue
            method = first.split()[0]
            if method == "INVITE" and self.invite is None:
                self.peer = src
                self.invite = (hdrs, body)
                self.reply(hdrs, 100, "Trying")
            elif method == "INVITE":
                pass  # a retransmission: our answer goes out on its own
            elif method == "ACK":
                self.acked = True
            elif method == "BYE":
                self.ended_by_peer = True
                self.reply(hdrs, 200, "OK")
            elif method in ("OPTIONS", "INFO", "UPDATE"):
                self.reply(hdrs, 200, "OK")
            else:
                self.reply(hdrs, 501, "Not Implemented")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sip", required=True)
    ap.add_argument("--call")
    ap.add_argument("--answer", action="store_true")
    ap.add_argument("--duration", type=float, default=4)
    ap.add_argument("--timeout", type=float, default=40)
    ap.add_argument("--out")
    a = ap.parse_args()
    if bool(a.call) == a.answer:
        ap.error("one of --call and --answer")

    Gst.init(None)
    res = {"sip_status": 0, "ice": "new", "bundle": "",
           "inbound": {}, "outbound": {}, "error": ""}
    pipe = Gst.parse_launch(PIPELINE)
    w = pipe.get_by_name("w")
    ctx = GLib.MainContext.default()
    state = {"offer": None, "gathered": False}

    rx = {}  # media -> RTP packets out of webrtcbin's src pads (decrypted)

    def count(pad, info, media):
        rx[media] = rx.get(media, 0) + 1
        return Gst.PadProbeReturn.OK

    def on_pad(_, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        media = "?"
        if caps and caps.get_size():
            media = caps.get_structure(0).get_string("media") or "?"
        pad.add_probe(Gst.PadProbeType.BUFFER, count, media)
        q = Gst.ElementFactory.make("queue")
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        pipe.add(q)
        pipe.add(sink)
        q.link(sink)
        q.sync_state_with_parent()
        sink.sync_state_with_parent()
        pad.link(q.get_static_pad("sink"))

    def on_offer(promise, _):
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        w.emit("set-local-description", offer, Gst.Promise.new())
        state["offer"] = offer

    def on_negotiation_needed(_):
        if not a.answer:
            w.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, None))

    def on_answer(promise, _):
        reply = promise.get_reply()
        answer = reply.get_value("answer") if reply and reply.has_field("answer") else None
        if answer is None:
            res["error"] = "webrtcbin made no answer: %s" % (reply.to_string() if reply else "no reply")
            state["failed"] = True
            return
        w.emit("set-local-description", answer, Gst.Promise.new())
        state["offer"] = answer  # our SDP, whichever way

    def on_remote_set(promise, _):
        reply = promise.get_reply()
        if reply and reply.has_field("error"):
            res["error"] = "webrtcbin refused the offer: %s" % reply.to_string()
            state["failed"] = True
            return
        w.emit("create-answer", None, Gst.Promise.new_with_change_func(on_answer, None))

    def on_gathering(*_):
        if w.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            state["gathered"] = True

    w.connect("pad-added", on_pad)
    w.connect("on-negotiation-needed", on_negotiation_needed)
    w.connect("notify::ice-gathering-state", on_gathering)
    pipe.set_state(Gst.State.PLAYING)

    deadline = time.monotonic() + a.timeout

    def spin(until, cond=lambda: False):
        while time.monotonic() < until and not cond():
            ctx.iteration(False)
            time.sleep(0.005)

    def finish(ok):
        res["result"] = "ok" if ok else "failed"
        line = json.dumps(res, sort_keys=True)
        print(line, flush=True)
        if a.out:
            with open(a.out, "w") as f:
                f.write(line + "\n")
        pipe.set_state(Gst.State.NULL)
        sys.exit(0 if ok else 1)

    if a.answer:
        # 1'. The INVITE; its offer answered once ICE gathering is
        #     complete; 200 OK retransmitted (Timer G) until the ACK.
        sip = Sip(a.sip, None)
        spin(deadline, lambda: sip.poll() is not None and sip.invite is not None)
        if sip.invite is None:
            res["error"] = "no INVITE came"
            finish(False)
        ihdrs, offer_sdp = sip.invite
        res["bundle"] = (re.search(r"a=group:BUNDLE ([^\r\n]*)", offer_sdp) or [None, ""])[1]
        res["offer_ice_lite"] = "a=ice-lite" in offer_sdp
        res["offer_rtcp_mux_only"] = offer_sdp.count("a=rtcp-mux-only")
        ok, msg = GstSdp.SDPMessage.new_from_text(offer_sdp)
        if ok != GstSdp.SDPResult.OK:
            res["error"] = "the offer's SDP does not parse"
            finish(False)
        offer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.OFFER, msg)
        state["offer"] = None
        w.emit("set-remote-description", offer,
               Gst.Promise.new_with_change_func(on_remote_set, None))
        spin(deadline, lambda: state.get("failed") or
             (state["gathered"] and state["offer"] is not None))
        if not state["gathered"] or state["offer"] is None:
            res["error"] = res["error"] or "ICE gathering did not complete"
            finish(False)
        sdp = w.get_property("local-description").sdp.as_text()
        res["offer_candidates"] = sdp.count("a=candidate:")
        tag = rand_token(8)
        code = 200
        res["sip_status"] = code
        rtx, next_rtx = 0.5, 0.0
        while time.monotonic() < deadline and not sip.acked:
            if time.monotonic() >= next_rtx:
                sip.reply(ihdrs, 200, "OK", sdp, tag)
                next_rtx = time.monotonic() + rtx
                rtx = min(rtx * 2, 4)
            sip.poll()
            ctx.iteration(False)
            time.sleep(0.005)
        if not sip.acked:
            res["error"] = "no ACK for our 200 OK"
            finish(False)
        # 3'. Media until the caller's BYE.
        end = deadline
        while time.monotonic() < end and not sip.ended_by_peer:
            sip.poll()
            ctx.iteration(False)
            time.sleep(0.005)
        res["ice"] = w.get_property("ice-connection-state").value_nick
        res["connection"] = w.get_property("connection-state").value_nick
    else:
        # 1. The offer, once ICE gathering is complete (no trickle in SIP).
        spin(deadline, lambda: state["gathered"] and state["offer"] is not None)
        if not state["gathered"]:
            res["error"] = "ICE gathering did not complete"
            finish(False)
        sdp = w.get_property("local-description").sdp.as_text()
        res["offer_candidates"] = sdp.count("a=candidate:")
        if not res["offer_candidates"]:
            res["error"] = "the offer has no ICE candidate (libnice offers no loopback host candidates)"
            finish(False)

        # 2. INVITE with it; retransmitted (Timer A) until a response.
        sip = Sip(a.sip, a.call)
        invite, cseq = sip.request("INVITE", a.call, sdp)
        branch = re.search(r"branch=([^;\r\n]+)", invite).group(1)
        next_rtx, rtx = time.monotonic() + 0.5, 0.5
        final = None
        while time.monotonic() < deadline and final is None:
            for code, hdrs, body in sip.poll():
                if code >= 200:
                    final = (code, hdrs, body)
                else:
                    next_rtx = float("inf")  # provisional: stop retransmitting
            if final is None and time.monotonic() >= next_rtx:
                sip.sock.sendto(invite.encode(), sip.peer)
                rtx = min(rtx * 2, 4)
                next_rtx = time.monotonic() + rtx
            ctx.iteration(False)
            time.sleep(0.005)
        if final is None:
            res["error"] = "no final response to the INVITE"
            finish(False)
        code, hdrs, body = final
        res["sip_status"] = code
        to = hdrs.get("to", [sip.to])[0]
        contact = re.search(r"<([^>]+)>", hdrs.get("contact", ["<%s>" % a.call])[0])
        target = contact.group(1) if contact else a.call
        if code >= 300:
            # RFC 3261 17.1.1.3: the ACK of a failure is in the transaction
            sip.request("ACK", a.call, to=to, cseq=cseq, branch=branch)
            res["error"] = "INVITE answered %d" % code
            finish(False)
        sip.request("ACK", target, to=to, cseq=cseq)
        res["bundle"] = (re.search(r"a=group:BUNDLE ([^\r\n]*)", body) or [None, ""])[1]
        res["answer_ice_lite"] = "a=ice-lite" in body
        ok, msg = GstSdp.SDPMessage.new_from_text(body)
        if ok != GstSdp.SDPResult.OK:
            res["error"] = "the answer's SDP does not parse"
            finish(False)
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        w.emit("set-remote-description", answer, Gst.Promise.new())

        # 3. Media for --duration s (re-ACKing a retransmitted 200).
        end = min(deadline, time.monotonic() + a.duration)
        while time.monotonic() < end and not sip.ended_by_peer:
            for c2, _, _ in sip.poll():
                if c2 == 200:
                    sip.request("ACK", target, to=to, cseq=cseq)
            ctx.iteration(False)
            time.sleep(0.005)
        res["ice"] = w.get_property("ice-connection-state").value_nick
        res["connection"] = w.get_property("connection-state").value_nick

    # 4. What webrtcbin decrypted and sent, per kind (get-stats): the
    #    inbound-rtp and outbound-rtp stats, their kind from their codec's
    #    payload type.
    stats = {}
    wanted = ("type", "ssrc", "packets-received", "packets-sent")

    def field(v, name):
        # some fields have no GValue the bindings can convert
        try:
            return v.get_value(name) if v.has_field(name) else None
        except TypeError:
            return None

    def on_stats(promise, _):
        # the reply lives as long as the promise: copied out here
        st = promise.get_reply()

        def each(fid, value, _u):
            if isinstance(value, Gst.Structure):
                d = {}
                for k in wanted:
                    x = field(value, k)
                    d[k] = x.value_nick if hasattr(x, "value_nick") else x
                stats[GLib.quark_to_string(fid)] = d
            return True
        st.foreach(each, None)

    w.emit("get-stats", None, Gst.Promise.new_with_change_func(on_stats, None))
    spin(time.monotonic() + 2, lambda: bool(stats))
    res["stats_seen"] = len(stats)

    # With max-bundle, webrtcbin 1.22 files every SSRC's stats under the
    # first transceiver's kind: what came in is counted per src pad (after
    # srtpdec), what went out per SSRC, each payloader's SSRC naming its
    # kind.
    res["inbound"] = dict(rx)
    tx_kind = {}
    for name, kind in (("apay", "audio"), ("vpay", "video")):
        pst = pipe.get_by_name(name).get_property("stats")
        tx_kind[pst.get_value("ssrc")] = kind
    for d in stats.values():
        if d["type"] == "outbound-rtp" and d["ssrc"] in tx_kind:
            k = tx_kind[d["ssrc"]]
            res["outbound"][k] = res["outbound"].get(k, 0) + int(d["packets-sent"] or 0)

    # 5. BYE (or the peer's BYE was answered already).
    if not a.answer and not sip.ended_by_peer:
        sip.request("BYE", target, to=to)
        spin(time.monotonic() + 2, lambda: any(c3 >= 200 for c3, _, _ in sip.poll()))
    good = (code == 200 and res["ice"] in ("connected", "completed") and
            all(res["inbound"].get(k, 0) > 0 and res["outbound"].get(k, 0) > 0
                for k in ("audio", "video")))
    if not good and not res["error"]:
        res["error"] = "no media both ways on both kinds"
    finish(good)


if __name__ == "__main__":
    main()
