#!/usr/bin/python3
# dkimpy_sign.py: signs a message with dkimpy (Debian's python3-dkim) and
# writes it, with the new DKIM-Signature field in front, to standard output.
#
#   /usr/bin/python3 dkimpy_sign.py KEY DOMAIN SELECTOR CANON ALGORITHM [MESSAGE]
#   /usr/bin/python3 dkimpy_sign.py rsa.pem example.com sel relaxed/simple rsa-sha256 msg.eml
#
# KEY is a PEM private key: RSA as PKCS#8 ("BEGIN PRIVATE KEY", what openssl
# genpkey writes) or PKCS#1 ("BEGIN RSA PRIVATE KEY"), or Ed25519 as PKCS#8.
# CANON is header/body (simple|relaxed, body defaults to simple). ALGORITHM
# is rsa-sha256 or ed25519-sha256. MESSAGE is a file or - (default). Exit 0
# on success, 1 when dkimpy refuses, 2 on a usage error.
#
# dkimpy 1.1.4 takes an RSA PEM as it is, but an Ed25519 key only as the
# base64 of the raw 32-byte private key (the RFC 8032 seed, what pynacl's
# SigningKey wants), so a PKCS#8 Ed25519 PEM is converted first: with the
# `cryptography` package when present, else with `openssl pkey` (the seed
# is the last 32 bytes of the 48-byte PKCS#8 DER, RFC 8410 §7).
import base64
import subprocess
import sys

import dkim


def usage():
    sys.stderr.write(
        "usage: dkimpy_sign.py KEY DOMAIN SELECTOR CANON ALGORITHM [MESSAGE]\n")
    sys.exit(2)


def ed25519_seed_b64(pem):
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        raw = key.private_bytes(serialization.Encoding.Raw,
                                serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    except ImportError:
        der = subprocess.run(["openssl", "pkey", "-outform", "DER"], input=pem,
                             check=True, capture_output=True).stdout
        if len(der) != 48:
            raise ValueError("not an Ed25519 PKCS#8 key")
        raw = der[-32:]
    return base64.b64encode(raw)


def main(argv):
    if len(argv) not in (6, 7):
        usage()
    key_path, domain, selector, canon, algorithm = argv[1:6]
    path = argv[6] if len(argv) == 7 else "-"
    message = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    pem = open(key_path, "rb").read()

    parts = canon.split("/")
    if len(parts) == 1:
        parts.append("simple")
    if len(parts) != 2 or any(p not in ("simple", "relaxed") for p in parts):
        usage()
    if algorithm == "ed25519-sha256":
        privkey = ed25519_seed_b64(pem)
    elif algorithm == "rsa-sha256":
        privkey = pem
    else:
        usage()

    # The field ends in CRLF or LF like the message's own lines, so the
    # output is one consistent message either way.
    linesep = b"\r\n" if b"\r\n" in message.split(b"\n", 1)[0] + b"\n" else b"\n"
    try:
        field = dkim.sign(message, selector.encode(), domain.encode(), privkey,
                          canonicalize=(parts[0].encode(), parts[1].encode()),
                          signature_algorithm=algorithm.encode(), linesep=linesep)
    except dkim.DKIMException as e:
        sys.stderr.write("dkimpy_sign.py: %s\n" % e)
        return 1
    if not field.endswith(linesep):
        field = field.rstrip(b"\r\n") + linesep
    sys.stdout.buffer.write(field + message)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
