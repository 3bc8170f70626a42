"""jwcrypto side of the JWS interop test (run with /usr/bin/python3 and python3-jwcrypto).

stdin: {"mode": "verify"|"sign", "alg", "kid", "payload_b64url", "protected", "signature",
        "public_pem", "private_pem"}
verify: re-attach the detached payload and verify the flattened JWS with the public key.
sign:   sign the given canonical payload; print the flattened JWS (protected, signature).
"""
import json
import sys

from jwcrypto import jwk, jws
from jwcrypto.common import base64url_decode

req = json.load(sys.stdin)
if req["mode"] == "verify":
    key = jwk.JWK.from_pem(req["public_pem"].encode())
    token = jws.JWS()
    token.deserialize(json.dumps({"protected": req["protected"], "payload": req["payload_b64url"], "signature": req["signature"]}))
    try:
        token.verify(key, alg=req["alg"])
        print(json.dumps({"valid": True, "payload_ok": token.payload == base64url_decode(req["payload_b64url"])}))
    except Exception as e:  # noqa: BLE001 - the verdict is the output
        print(json.dumps({"valid": False, "error": str(e)}))
else:
    key = jwk.JWK.from_pem(req["private_pem"].encode())
    token = jws.JWS(base64url_decode(req["payload_b64url"]))
    token.add_signature(key, alg=req["alg"], protected=json.dumps({"alg": req["alg"], "kid": req["kid"]}))
    out = json.loads(token.serialize())
    print(json.dumps({"protected": out["protected"], "signature": out["signature"]}))
