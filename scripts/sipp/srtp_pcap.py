#!/usr/bin/env python3
"""srtp_pcap.py - write a pcap of SRTP packets for SIPp's play_pcap_audio.

SIPp 3.6.1 has no SRTP of its own; the scenarios in this directory play
a capture made by this script, protected with the same key as the
scenario's a=crypto line, so that the DTLS-SRTP UA behind ktrsbc (which
receives that key in new_srtp_key) can authenticate and decrypt it.

    scripts/sipp/srtp_pcap.py --key WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz \
        --packets 100 --out /tmp/srtp_a.pcap

Suite AES_CM_128_HMAC_SHA1_80 (RFC 4568 6.2.1, RFC 3711: AES-CM, HMAC-SHA1
tag of 10 bytes, key derivation rate 0), payload type 0 (PCMU), 160-byte
payloads every 20 ms (--interval-us), one SSRC. The Ethernet/IPv4/UDP addresses in the
file are placeholders: SIPp replaces them with the call's media addresses
(it sends from a raw socket, so SIPp must run as root to play it).
"""
import argparse
import base64
import hashlib
import hmac
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def aes_cm(key, iv16, n):
    """AES in counter mode (RFC 3711 4.1.1): n bytes of keystream."""
    enc = Cipher(algorithms.AES(key), modes.CTR(iv16)).encryptor()
    return enc.update(bytes(n)) + enc.finalize()


def derive(master_key, master_salt, label, n):
    """RFC 3711 4.3.1 with key_derivation_rate 0 (r = 0)."""
    x = bytearray(master_salt)
    x[7] ^= label
    return aes_cm(master_key, bytes(x) + b"\0\0", n)


def srtp_protect(rtp, index, ke, ka, ks):
    """RFC 3711 3.3, 4.1.1, 4.2: encrypt the payload, append the tag."""
    ssrc = struct.unpack("!I", rtp[8:12])[0]
    iv = int.from_bytes(ks, "big") << 16
    iv ^= ssrc << 64
    iv ^= index << 16
    hdr, payload = rtp[:12], rtp[12:]
    stream = aes_cm(ke, iv.to_bytes(16, "big"), len(payload))
    pkt = hdr + bytes(a ^ b for a, b in zip(payload, stream))
    roc = index >> 16
    tag = hmac.new(ka, pkt + struct.pack("!I", roc), hashlib.sha1).digest()[:10]
    return pkt + tag


def ip_checksum(h):
    s = sum(struct.unpack("!10H", h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(payload, sport, dport):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64,
                     17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    eth = b"\0" * 12 + b"\x08\x00"
    return eth + ip + udp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", "--key", required=True,
                    help="the a=crypto inline key: base64 of 16-byte key || 14-byte salt")
    ap.add_argument("-n", "--packets", type=int, default=100)
    ap.add_argument("--ssrc", type=lambda v: int(v, 0), default=0x5eed1234)
    ap.add_argument("--seq", type=int, default=1000, help="first RTP sequence number")
    ap.add_argument("-g", "--interval-us", type=int, default=20000,
                    help="time between packets (default 20000: 20 ms)")
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    ks = base64.b64decode(a.key)
    if len(ks) != 30:
        sys.exit("srtp_pcap: --key must be 30 bytes (AES_CM_128_HMAC_SHA1_80)")
    mk, ms = ks[:16], ks[16:]
    ke, ka, salt = derive(mk, ms, 0, 16), derive(mk, ms, 1, 20), derive(mk, ms, 2, 14)
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(a.packets):
            seq = (a.seq + i) & 0xFFFF
            index = a.seq + i  # ROC << 16 | seq
            rtp = struct.pack("!BBHII", 0x80, 0, seq, 160 * i, a.ssrc) + b"\xff" * 160
            pkt = frame(srtp_protect(rtp, index, ke, ka, salt), 6000, 6000)
            us = i * a.interval_us
            f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(pkt), len(pkt)))
            f.write(pkt)


if __name__ == "__main__":
    main()
