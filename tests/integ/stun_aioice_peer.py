#!/usr/bin/env python3
"""A full ICE agent's connectivity checks, written and verified by aioice
(Debian's python3-aioice, an implementation independent of ktrsbc's), sent
over UDP to the ICE-lite responder of tests/integ/test_stun_aioice.c.

usage: stun_aioice_peer.py [--agent [--echo]] HOST PORT LOCAL_UFRAG REMOTE_UFRAG LOCAL_PWD

LOCAL_* are the responder's credentials, REMOTE_UFRAG ours (RFC 8445
7.2.2: USERNAME is "responder_ufrag:our_ufrag", MESSAGE-INTEGRITY keyed
with the responder's password). One check per case, in this order:

  valid      ICE-CONTROLLING, PRIORITY: a success response
  nominated  the same with USE-CANDIDATE: a success response
  wrong-pwd  MESSAGE-INTEGRITY with another password: no answer
  controlled ICE-CONTROLLED: a 487 error response (RFC 8445 7.3.1.1)
  unknown    CHANGE-REQUEST (RFC 5780, comprehension-required): a 420

Every answer must parse with aioice's parse_message given the password
(which checks MESSAGE-INTEGRITY and FINGERPRINT), carry both attributes,
answer the request's transaction, and for a success carry our own address
as XOR-MAPPED-ADDRESS. Prints one line per case; exit 0 when all pass.

With --agent, aioice's own ICE agent (aioice.Connection, a full agent)
instead, told the remote side is lite, started in the controlled role
(wrongly, so that our 487 must make it switch, RFC 8445 7.2.5.1), with one
host candidate on HOST (aioice leaves loopback out of its gathering; the
test puts it back) and the responder's HOST:PORT as the remote candidate:
connect() must complete with a nominated pair (regular nomination) in the
controlling role; then the agent stays for one consent check (RFC 7675,
every 4-6 s in aioice) and closes. Exit 0 when connected as controlling.
HOST and PORT may be lists ("127.0.0.1,::1" and "P4,P6", a responder with
a host candidate per family, the first the default): then the agent has a
host candidate on each, a pair per family must be formed, and it says
which one it nominated. With --echo, instead of the consent check, the first datagram
received over the nominated pair is sent back over it.
"""
import asyncio
import ipaddress
import socket
import sys
from collections import OrderedDict

from aioice import stun

TIMEOUT = 2.0  # s to wait for an answer
SILENCE = 0.5  # s of silence that counts as "no answer"


def request(lufrag, rufrag, key, extra):
    attrs = OrderedDict()
    attrs["USERNAME"] = lufrag + ":" + rufrag
    attrs["PRIORITY"] = 0x6E7F1EFF
    attrs.update(extra)
    msg = stun.Message(stun.Method.BINDING, stun.Class.REQUEST,
                       attributes=attrs)
    msg.add_message_integrity(key)  # adds FINGERPRINT after it too
    return msg


def exchange(sock, peer, msg, wait):
    sock.settimeout(wait)
    sock.sendto(bytes(msg), peer)
    try:
        data, src = sock.recvfrom(2048)
    except socket.timeout:
        return None
    if src[:2] != peer[:2]:
        raise AssertionError("answer from %r" % (src,))
    return data


def check_answer(data, msg, key, cls):
    # Both checks are aioice's: a bad HMAC or CRC raises ValueError.
    resp = stun.parse_message(data, integrity_key=key)
    for a in ("MESSAGE-INTEGRITY", "FINGERPRINT"):
        if a not in resp.attributes:
            raise AssertionError("no " + a)
    if resp.transaction_id != msg.transaction_id:
        raise AssertionError("another transaction")
    if resp.message_method != stun.Method.BINDING:
        raise AssertionError("method %r" % resp.message_method)
    if resp.message_class != cls:
        raise AssertionError("class %r" % resp.message_class)
    return resp


async def agent(host, port, lufrag, rufrag, pwd, echo=False):
    import aioice
    from aioice import ice

    hosts = host.split(",")
    ports = [int(p) for p in port.split(",")]
    ice.get_host_addresses = lambda use_ipv4, use_ipv6: hosts
    conn = aioice.Connection(ice_controlling=False, components=1,
                             use_ipv4=True, use_ipv6=any(":" in h for h in hosts))
    conn.local_username = rufrag
    conn.remote_is_lite = True
    await conn.gather_candidates()
    conn.remote_username = lufrag
    conn.remote_password = pwd
    # The responder's candidates as ktrsbc writes them: the first the
    # default (local preference 65535), a second one 65534.
    for i, (h, p) in enumerate(zip(hosts, ports)):
        await conn.add_remote_candidate(aioice.Candidate(
            foundation="2" if ":" in h else "1", component=1, transport="udp",
            priority=2130706431 - 256 * i, host=h, port=p, type="host"))
    await conn.add_remote_candidate(None)
    try:
        await asyncio.wait_for(conn.connect(), 10)
    except (ConnectionError, asyncio.TimeoutError) as e:
        print("FAIL connect: %r" % (e,))
        await conn.close()
        return 1
    role = "controlling" if conn.ice_controlling else "controlled"
    nom = conn._nominated[1]
    print("ok connected as %s, nominated %s:%d -> %s:%d" % (
        role, nom.local_candidate.host, nom.local_candidate.port,
        nom.remote_candidate.host, nom.remote_candidate.port))
    ok = conn.ice_controlling
    if len(hosts) > 1:
        # A pair per family (ICE pairs candidates of one family only);
        # the nomination ends the checks of those not yet run (RFC 8445
        # 8.1.2), so which of them ran depends on timing.
        pairs = ["%s->%s %s" % (p.local_candidate.host, p.remote_candidate.host,
                                p.state.name) for p in conn._check_list]
        fams = sorted(set(p.local_candidate.host for p in conn._check_list))
        print("%s pairs: %s" % ("ok" if fams == sorted(hosts) else "FAIL",
                                ", ".join(pairs)))
        ok = ok and fams == sorted(hosts)
    if echo:
        # One datagram relayed to us over the nominated pair, sent back.
        try:
            data = await asyncio.wait_for(conn.recv(), 8)
        except (ConnectionError, asyncio.TimeoutError) as e:
            print("FAIL nothing to echo: %r" % (e,))
            await conn.close()
            return 1
        await conn.send(data)
        print("ok echoed %d bytes over %s" % (len(data), nom.local_candidate.host))
        await asyncio.sleep(1)
    else:
        await asyncio.sleep(7)  # one consent check
    await conn.close()
    return 0 if ok else 1


def main():
    if sys.argv[1] == "--agent":
        if sys.argv[2] == "--echo":
            return asyncio.run(agent(*sys.argv[3:8], echo=True))
        return asyncio.run(agent(*sys.argv[2:7]))
    host, port, lufrag, rufrag, pwd = sys.argv[1:6]
    peer = (host, int(port))
    key = pwd.encode()
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    me = sock.getsockname()
    failed = 0

    cases = [
        ("valid", key, {"ICE-CONTROLLING": 0x1122334455667788},
         stun.Class.RESPONSE, None),
        ("nominated", key, {"USE-CANDIDATE": None,
                            "ICE-CONTROLLING": 0x1122334455667788},
         stun.Class.RESPONSE, None),
        ("wrong-pwd", b"wrongPasswordOf22chars", {"USE-CANDIDATE": None},
         None, None),
        ("controlled", key, {"ICE-CONTROLLED": 0x0102030405060708},
         stun.Class.ERROR, 487),
        ("unknown", key, {"ICE-CONTROLLING": 0x1122334455667788,
                          "CHANGE-REQUEST": 0},
         stun.Class.ERROR, 420),
    ]
    for name, k, extra, cls, code in cases:
        msg = request(lufrag, rufrag, k, extra)
        try:
            data = exchange(sock, peer, msg, TIMEOUT if cls else SILENCE)
            if cls is None:
                if data is not None:
                    raise AssertionError("answered a forged check")
            else:
                if data is None:
                    raise AssertionError("no answer")
                resp = check_answer(data, msg, key, cls)
                if code is not None:
                    got = resp.attributes.get("ERROR-CODE")
                    if not got or got[0] != code:
                        raise AssertionError("ERROR-CODE %r" % (got,))
                else:
                    addr = resp.attributes.get("XOR-MAPPED-ADDRESS")
                    if addr is None:
                        raise AssertionError("no XOR-MAPPED-ADDRESS")
                    if (ipaddress.ip_address(addr[0]) !=
                            ipaddress.ip_address(me[0]) or addr[1] != me[1]):
                        raise AssertionError("mapped %r, we are %r" %
                                             (addr, me[:2]))
            print("ok %s" % name)
        except (AssertionError, ValueError) as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
    sock.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
