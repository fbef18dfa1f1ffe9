#!/usr/bin/python3
# dkimpy_verify.py: verifies every DKIM-Signature of a message with dkimpy
# (Debian's python3-dkim), offline: key records come from the command line.
#
#   /usr/bin/python3 dkimpy_verify.py MESSAGE NAME=TXTVALUE...
#   /usr/bin/python3 dkimpy_verify.py signed.eml 'sel._domainkey.example.com=v=DKIM1; p=...'
#
# MESSAGE is a file or - for standard input. Each NAME=TXTVALUE is one TXT
# record (the text after the first '='); a name not given has no record.
# Prints one line per signature, "N d=... s=... a=...: pass|fail|permerror
# (why)" (fail: a hash or signature mismatch; permerror: dkimpy refused the
# signature or key record), and exits 0 only when there is at least one
# signature and every signature verifies; 1 otherwise, 2 on a usage error.
# Run it with the system python: python3-dkim is installed for
# /usr/bin/python3 only.
import logging
import re
import sys

import dkim


def usage():
    sys.stderr.write("usage: dkimpy_verify.py MESSAGE NAME=TXTVALUE...\n")
    sys.exit(2)


def main(argv):
    if len(argv) < 2:
        usage()
    path = argv[1]
    message = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()

    records = {}
    for arg in argv[2:]:
        name, sep, value = arg.partition("=")
        if not sep or not name:
            usage()
        records[name.lower().rstrip(".")] = value.encode("utf-8")

    # dkimpy asks with a bytes name ending in a dot and wants the TXT strings
    # joined, as bytes, or None for "no record".
    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        return records.get(name.lower().rstrip("."))

    logger = logging.getLogger("dkimpy_verify")
    logger.addHandler(logging.NullHandler())

    probe = dkim.DKIM(message, logger=logger)
    count = len([1 for name, _ in probe.headers if name.lower() == b"dkim-signature"])
    if count == 0:
        print("no DKIM-Signature")
        return 1

    all_pass = True
    for idx in range(count):
        # A fresh DKIM object per signature: verify() keeps per-call state.
        d = dkim.DKIM(message, logger=logger)
        try:
            ok = d.verify(idx=idx, dnsfunc=dnsfunc)
            result, why = ("pass", "") if ok else ("fail", "signature or key did not verify")
        except dkim.ValidationError as e:
            # dkimpy raises this for a body hash that does not match.
            ok, result, why = False, "fail", str(e)
        except dkim.DKIMException as e:
            # Unusable signature or key record: RFC 8601's permerror.
            ok, result, why = False, "permerror", str(e)
        fields = getattr(d, "signature_fields", {}) or {}

        def tag(t):
            v = fields.get(t, b"?")
            return re.sub(rb"\s+", b"", v).decode("ascii", "replace")

        line = "%d d=%s s=%s a=%s: %s" % (idx, tag(b"d"), tag(b"s"), tag(b"a"), result)
        print(line + (" (%s)" % why if why else ""))
        all_pass &= bool(ok)
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
