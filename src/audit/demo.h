// demo.h: this measure's part of `authguard demo` (`make demo`): an audit of
// the demo domains of examples/demo.zone, with the fixes printed.
//
//   auto zone = dns::ZoneResolver::load_text(demo_zone_text, "examples/demo.zone");
//   audit::run_audit_demo(**zone, stdout);
#pragma once

#include <cstdio>

#include "dns/resolver.h"

namespace authguard::audit {

// Audits contoso.example and fabrikam.example (sending),
// contoso.onmicrosoft.example (the tenant's routing domain) and
// parked.example (non-sending) through `resolver`, and prints the table to
// `out` (coloured when `out` is a terminal). Returns 0, or 3 when a lookup
// failed (the demo zone answers everything, so that means a broken zone).
int run_audit_demo(dns::Resolver& resolver, std::FILE* out);

}  // namespace authguard::audit
