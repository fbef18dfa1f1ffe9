#!/usr/bin/python3
# spf_pyspf_compare.py: pyspf (Debian's python3-spf) against authguard's
# spf_bench, on the same record, the same client and the same answers, in one
# run, so docs/PERFORMANCE.md can state a ratio rather than two unrelated
# figures. pyspf gets its DNS from a dict (the way its own test driver does),
# which is the equivalent of authguard's warm caches: neither side waits on DNS.
#
#   /usr/bin/python3 bench/spf_pyspf_compare.py build-release/bench/spf_bench
#
# Needs: apt-get install python3-spf (Debian's python3, not a virtualenv's).
import json
import subprocess
import sys
import time

import spf

# The zone of bench/spf_bench.cc, as pyspf's DNSLookup answers it.
ZONE = {
    ("example.com", "TXT"): [[b"v=spf1 ip4:192.0.2.0/25 ip4:198.51.100.0/24 mx "
                              b"include:_spf.provider-a.example include:_spf.provider-b.example -all"]],
    ("example.com", "MX"): [(10, "mx1.example.com"), (20, "mx2.example.com")],
    ("mx1.example.com", "A"): ["192.0.2.201"],
    ("mx2.example.com", "A"): ["192.0.2.202"],
    ("_spf.provider-a.example", "TXT"): [[b"v=spf1 ip4:203.0.113.0/26 ip4:203.0.113.128/26 "
                                          b"ip6:2001:db8:a::/48 ~all"]],
    ("_spf.provider-b.example", "TXT"): [[b"v=spf1 ip4:233.252.0.0/24 ip6:2001:db8:b::/48 -all"]],
}


def lookup(name, qtype, *args, **kwargs):
    key = (name.lower().rstrip("."), qtype)
    return [((key[0], qtype), value) for value in ZONE.get(key, [])]


spf.DNSLookup = lookup

CLIENT = "233.252.0.25"  # passes in the second include, as BM_SpfPassInSecondInclude
SENDER = "newsletter@example.com"
HELO = "out.provider-b.example"


def pyspf_rate(seconds=3.0):
    result = spf.query(i=CLIENT, s=SENDER, h=HELO).check()
    if result[0] != "pass":
        sys.exit("pyspf gave %r: the comparison setup is broken" % (result,))
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            spf.query(i=CLIENT, s=SENDER, h=HELO).check()
        n += 100
    return n / (time.perf_counter() - start)


def authguard_rate(bench):
    out = subprocess.run(
        [bench, "--benchmark_filter=^BM_SpfPassInSecondInclude$", "--benchmark_format=json",
         "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"],
        check=True, capture_output=True, text=True).stdout
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            return b["evals/s"]
    sys.exit("no median in spf_bench output")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: spf_pyspf_compare.py PATH/TO/spf_bench")
    ours = authguard_rate(sys.argv[1])
    theirs = pyspf_rate()
    print("authguard: %12.0f evaluations/s" % ours)
    print("pyspf:     %12.0f evaluations/s" % theirs)
    print("ratio:     %12.1fx" % (ours / theirs))


if __name__ == "__main__":
    main()
