#!/usr/bin/python3
"""dkimpy_verify_loop.py: verifies one message with dkimpy (Debian
python3-dkim) for a number of seconds and prints verifications per second.
DNS is answered offline from the given record, as authguard's benchmark
answers from a warm cache.

usage: dkimpy_verify_loop.py MESSAGE NAME VALUE [SECONDS]
"""
import sys
import time

import dkim

message = open(sys.argv[1], "rb").read()
name, value = sys.argv[2].encode(), sys.argv[3].encode()
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0


def dnsfunc(qname, timeout=5):
    return value if qname.rstrip(b".") == name else None


assert dkim.verify(message, dnsfunc=dnsfunc), "dkimpy does not verify the message"
count = 0
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    dkim.verify(message, dnsfunc=dnsfunc)
    count += 1
print(f"{count / (time.perf_counter() - start):.1f}")
