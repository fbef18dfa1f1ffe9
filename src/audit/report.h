// report.h: an audit report as a terminal table, as JSON, and as one
// self-contained HTML page (inline CSS and SVG, no scripts, no external
// assets), so it can be mailed, archived or opened from a CI artifact.
//
//   std::fputs(render_text(report, {.color = isatty(1)}).c_str(), stdout);
//   std::string json = render_json(report);
//   write_file("audit.html", render_html(report, {.generated = clock.now()}));
#pragma once

#include <string>

#include "audit/types.h"
#include "core/clock.h"

namespace authguard::audit {

// JSON (docs/audit.md), indented by two spaces, ending in a newline:
//   {"domains": [{"domain", "kind", "findings": [{"id", "severity", "message",
//   "evidence", "fix"}]}], "summary": {"domains", "error", "warning", "info"}}
// Bytes that are not UTF-8 (from DNS) become U+FFFD.
[[nodiscard]] std::string render_json(const AuditReport& report);

struct TextOptions {
  bool color = false;  // ANSI colours (a terminal)
};
// Findings grouped by domain, one aligned row each with its evidence and fix
// below, and a summary line. Control characters from DNS are shown as '?'.
[[nodiscard]] std::string render_text(const AuditReport& report, const TextOptions& options = {});
// "4 domains: 2 errors, 3 warnings, 1 info"
[[nodiscard]] std::string summary_line(const Summary& summary);

struct HtmlOptions {
  UnixTime generated = 0;  // shown in the header (UTC); 0 leaves it out
  // Domains shown in the chart, those with the most findings first; the
  // sections below list every domain.
  std::size_t max_chart_domains = 40;
};
[[nodiscard]] std::string render_html(const AuditReport& report, const HtmlOptions& options = {});

}  // namespace authguard::audit
