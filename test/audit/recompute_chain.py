"""Recompute a bxg audit chain from what GET /v1/audit/entries and /v1/audit/checkpoints return,
with the Python standard library only (docs/audit.md is the specification this follows).

stdin:  {"entries": [...], "checkpoints": [...]}   (every entry from 1, every checkpoint)
stdout: {"ok": true, "entries": N, "head": "<hash>", "roots": {...}, "signingInputs": {...}}
        or {"ok": false, "seq": N, "error": "..."}
"""
import base64
import hashlib
import json
import sys


def jcs(value):
    # RFC 8785 equals this for objects whose numbers are integers and whose keys are ASCII:
    # sorted keys, no whitespace, UTF-8, only '"', '\\' and control characters escaped.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def mth(leaves):
    """RFC 9162 section 2.1.1 Merkle tree hash."""
    if len(leaves) == 1:
        return sha256(b"\x00", leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha256(b"\x01", mth(leaves[:k]), mth(leaves[k:]))


def main():
    data = json.load(sys.stdin)
    prev = "0" * 64
    hashes = {}
    for i, entry in enumerate(data["entries"]):
        seq = entry["seq"]
        if seq != i + 1:
            return {"ok": False, "seq": i + 1, "error": "sequence gap"}
        if entry["prevHash"] != prev:
            return {"ok": False, "seq": seq, "error": "previous-entry hash does not link"}
        hashed = {k: v for k, v in entry.items() if k != "hash"}
        digest = sha256(jcs(hashed)).hex()
        if digest != entry["hash"]:
            return {"ok": False, "seq": seq, "error": "hash does not match content"}
        hashes[seq] = bytes.fromhex(digest)
        prev = digest
    roots = {}
    signing_inputs = {}
    for cp in data["checkpoints"]:
        leaves = [hashes[s] for s in range(cp["fromSeq"], cp["seq"] + 1)]
        root = mth(leaves).hex()
        if root != cp["root"] or hashes[cp["seq"]].hex() != cp["hash"]:
            return {"ok": False, "seq": cp["fromSeq"], "error": "checkpoint %d does not match" % cp["number"]}
        roots[cp["number"]] = root
        signed = {k: v for k, v in cp.items() if k not in ("signature", "certificate", "timestampToken")}
        signing_inputs[cp["number"]] = base64.b64encode(jcs(signed)).decode("ascii")
    return {"ok": True, "entries": len(hashes), "head": prev, "roots": roots, "signingInputs": signing_inputs}


if __name__ == "__main__":
    print(json.dumps(main()))
