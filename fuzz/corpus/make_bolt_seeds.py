#!/usr/bin/env python3
"""Writes the binary seeds of the packstream and bolt_session fuzzers.

PackStream and Bolt are binary, so their seeds are generated here, where
each one can be read: run `python3 fuzz/corpus/make_bolt_seeds.py` after
changing this file and commit its output beside it.
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent


class S:
    """A PackStream structure: a tag byte and its fields."""

    def __init__(self, tag, *fields):
        self.tag, self.fields = tag, fields


def size_marker(n, tiny, m8, m16, m32):
    if tiny is not None and n < 16:
        return bytes([tiny | n])
    if m8 is not None and n < 0x100:
        return bytes([m8, n])
    if n < 0x10000:
        return bytes([m16]) + struct.pack(">H", n)
    return bytes([m32]) + struct.pack(">I", n)


def pack(v):
    if v is None:
        return b"\xC0"
    if v is True:
        return b"\xC3"
    if v is False:
        return b"\xC2"
    if isinstance(v, int):
        if -16 <= v < 128:
            return struct.pack(">b", v)
        for marker, fmt, lo, hi in ((0xC8, ">b", -128, 127), (0xC9, ">h", -2**15, 2**15 - 1),
                                    (0xCA, ">i", -2**31, 2**31 - 1)):
            if lo <= v <= hi:
                return bytes([marker]) + struct.pack(fmt, v)
        return b"\xCB" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xC1" + struct.pack(">d", v)
    if isinstance(v, bytes):
        return size_marker(len(v), None, 0xCC, 0xCD, 0xCE) + v
    if isinstance(v, str):
        b = v.encode()
        return size_marker(len(b), 0x80, 0xD0, 0xD1, 0xD2) + b
    if isinstance(v, list):
        return size_marker(len(v), 0x90, 0xD4, 0xD5, 0xD6) + b"".join(map(pack, v))
    if isinstance(v, dict):
        out = size_marker(len(v), 0xA0, 0xD8, 0xD9, 0xDA)
        return out + b"".join(pack(k) + pack(x) for k, x in v.items())
    if isinstance(v, S):
        return bytes([0xB0 | len(v.fields), v.tag]) + b"".join(map(pack, v.fields))
    raise TypeError(v)


def message(tag, *fields):
    """One Bolt message: a structure in one chunk, then the 00 00 end marker."""
    body = pack(S(tag, *fields))
    return struct.pack(">H", len(body)) + body + b"\x00\x00"


SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F

node = S(0x4E, 1, ["Person"], {"name": "Ann", "age": 42}, "4:db:1")
other = S(0x4E, 2, [], {}, "4:db:2")
rel = S(0x52, 10, 1, 2, "KNOWS", {"since": 2020}, "5:db:10", "4:db:1", "4:db:2")
unbound = S(0x72, 10, "KNOWS", {}, "5:db:10")
VALUES = {
    "scalars": [None, True, False, 0, -16, 127, -129, 40000, -2**40, 1.5, "", "é", b"\x00\x01"],
    "collections": {"list": [1, [2, [3]]], "map": {"a": {"b": None}}, "long": "x" * 300},
    "node": node,
    "relationship": rel,
    "path": S(0x50, [node, other], [unbound], [1, 1]),
    "temporal": [S(0x44, 19753), S(0x54, 36000000000000, 3600), S(0x74, 1),
                 S(0x49, 1706695200, 5, 3600), S(0x69, 1706695200, 0, "Europe/Paris"),
                 S(0x46, 1706695200, 0, 3600), S(0x66, 1706695200, 0, "Europe/Paris"),
                 S(0x64, 1706695200, 999999999), S(0x45, 1, 2, 3, 4)],
    "points": [S(0x58, 4326, 1.0, 2.0), S(0x59, 4979, 1.0, 2.0, 3.0)],
}


def conversation(version, logon):
    out = bytes([0, 0, version[1], version[0]])
    out += message(SUCCESS, {"server": "Neo4j/5.20.0", "connection_id": "bolt-1"})
    if logon:
        out += message(SUCCESS, {})
    # RUN + PULL 2, then another PULL
    out += message(SUCCESS, {"fields": ["x", "y"], "t_first": 1})
    out += message(RECORD, [1, node])
    out += message(RECORD, [rel, VALUES["temporal"]])
    out += message(SUCCESS, {"has_more": True})
    out += message(RECORD, [VALUES["points"], VALUES["collections"]])
    out += message(SUCCESS, {"bookmark": "bm:1", "type": "r", "db": "neo4j", "t_last": 2})
    # BEGIN, RUN + DISCARD, COMMIT
    out += message(SUCCESS, {})
    out += message(SUCCESS, {"fields": []})
    out += message(SUCCESS, {})
    out += message(SUCCESS, {"bookmark": "bm:2"})
    # RESET, ROUTE
    out += message(SUCCESS, {})
    out += message(SUCCESS, {"rt": {"ttl": 300, "db": "neo4j", "servers": [
        {"addresses": ["a:7687", "b:7687"], "role": "ROUTE"},
        {"addresses": ["b:7687"], "role": "READ"},
        {"addresses": ["a:7687"], "role": "WRITE"}]}})
    return out


def failing_run():
    out = bytes([0, 0, 4, 4]) + message(SUCCESS, {"server": "Neo4j/4.4.0"})
    out += message(FAILURE, {"code": "Neo.ClientError.Statement.SyntaxError", "message": "bad"})
    out += message(IGNORED)
    out += message(SUCCESS, {})  # RESET
    out += b"\x00\x00"           # a NOOP between messages
    # a message split over two chunks
    body = pack(S(SUCCESS, {"fields": ["n"]}))
    out += struct.pack(">H", 3) + body[:3] + struct.pack(">H", len(body) - 3) + body[3:] + b"\x00\x00"
    out += message(FAILURE, {"code": "Neo.TransientError.General.DatabaseUnavailable", "message": "x"})
    return out


def main():
    for name, value in VALUES.items():
        (HERE / "packstream" / name).write_bytes(pack(value))
    (HERE / "bolt_session" / "bolt_5_4").write_bytes(conversation((5, 4), logon=True))
    (HERE / "bolt_session" / "bolt_5_0").write_bytes(conversation((5, 0), logon=False))
    (HERE / "bolt_session" / "failure_and_noop").write_bytes(failing_run())
    (HERE / "bolt_session" / "http_answer").write_bytes(b"HTTP/1.1 400 Bad Request\r\n\r\n")


if __name__ == "__main__":
    main()
