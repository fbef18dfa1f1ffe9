// report_json.cc: the --json form of an audit report.
#include <nlohmann/json.hpp>

#include "audit/report.h"

namespace authguard::audit {

std::string render_json(const AuditReport& report) {
  // ordered_json keeps the documented key order, so the output diffs cleanly.
  using Json = nlohmann::ordered_json;
  Json domains = Json::array();
  for (const auto& d : report.domains) {
    Json findings = Json::array();
    for (const auto& f : d.findings) {
      findings.push_back(Json{{"id", f.id},
                              {"severity", severity_name(f.severity)},
                              {"message", f.message},
                              {"evidence", f.evidence},
                              {"fix", f.fix}});
    }
    domains.push_back(
        Json{{"domain", d.domain.str()}, {"kind", kind_name(d.kind)}, {"findings", findings}});
  }
  Summary s = report.summary();
  Json out{{"domains", domains},
           {"summary", Json{{"domains", s.domains},
                            {"error", s.errors},
                            {"warning", s.warnings},
                            {"info", s.infos}}}};
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace authguard::audit
