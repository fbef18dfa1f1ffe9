// report_html.cc: the --html form of an audit report: one self-contained
// page (inline CSS and SVG; no scripts, fonts or images from anywhere).
// Every text from DNS is HTML-escaped: a hostile TXT record must not become
// markup in the administrator's browser.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <numeric>

#include "audit/report.h"
#include "core/clock.h"

namespace authguard::audit {

namespace {

std::string esc(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) out += "&#xFFFD;";
        else out += c;
    }
  }
  return out;
}

std::string utc(UnixTime t) { return format_utc(t, "%Y-%m-%d %H:%M UTC"); }

struct Counts {
  std::size_t error = 0, warning = 0, info = 0;
  [[nodiscard]] std::size_t total() const { return error + warning + info; }
};

Counts counts_of(const DomainReport& d) {
  Counts c;
  for (const auto& f : d.findings) {
    (f.severity == Severity::kError ? c.error : f.severity == Severity::kWarning ? c.warning : c.info)++;
  }
  return c;
}

constexpr const char* kStyle = R"css(
:root { --error:#c62828; --warning:#e08a00; --info:#1e6fc8; --ok:#2e7d32; --ink:#1d2330;
        --muted:#5b6475; --line:#dfe3ea; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color:var(--ink); background:var(--bg); }
header { background:#1d2330; color:#fff; padding:28px 40px 24px; }
header h1 { margin:0 0 4px; font-size:26px; font-weight:600; }
header p { margin:0; color:#c5cbd6; }
main { padding:24px 40px 40px; max-width:1200px; }
h2 { font-size:19px; margin:32px 0 12px; }
.cards { display:flex; gap:16px; flex-wrap:wrap; }
.card { background:#fff; border:1px solid var(--line); border-left:6px solid var(--muted);
        border-radius:8px; padding:14px 22px; min-width:170px; }
.card .n { font-size:32px; font-weight:700; line-height:1.1; }
.card .l { color:var(--muted); }
.card.error { border-left-color:var(--error); } .card.error .n { color:var(--error); }
.card.warning { border-left-color:var(--warning); } .card.warning .n { color:var(--warning); }
.card.info { border-left-color:var(--info); } .card.info .n { color:var(--info); }
.verdict { margin:14px 0 0; font-weight:600; }
.verdict.bad { color:var(--error); } .verdict.good { color:var(--ok); }
.panel { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px; }
.legend span { display:inline-block; margin-right:18px; color:var(--muted); }
.legend i { display:inline-block; width:12px; height:12px; border-radius:2px; margin-right:6px;
            vertical-align:-1px; }
svg text { font-family:system-ui, "DejaVu Sans", sans-serif; }
article.domain { background:#fff; border:1px solid var(--line); border-radius:8px;
                 margin:0 0 16px; overflow:hidden; }
article.domain h3 { margin:0; padding:12px 18px; font-size:17px; border-bottom:1px solid var(--line);
                    background:#fafbfc; }
.kind { font-size:12px; font-weight:600; text-transform:uppercase; letter-spacing:.04em;
        background:#e8ebf1; color:var(--muted); border-radius:10px; padding:2px 9px; margin-left:8px;
        vertical-align:2px; }
.tally { float:right; font-size:14px; font-weight:400; color:var(--muted); }
table { width:100%; border-collapse:collapse; }
td { vertical-align:top; padding:12px 18px; border-top:1px solid var(--line); }
tr:first-child td { border-top:none; }
td.sev { width:105px; } td.id { width:230px; }
.badge { display:inline-block; font-size:12px; font-weight:700; color:#fff; border-radius:4px;
         padding:2px 8px; text-transform:uppercase; }
.badge.error { background:var(--error); } .badge.warning { background:var(--warning); }
.badge.info { background:var(--info); }
code, pre { font-family:"DejaVu Sans Mono", Menlo, Consolas, monospace; font-size:13px; }
td.id code { color:var(--muted); }
td p { margin:0 0 8px; }
.label { display:block; font-size:12px; font-weight:700; color:var(--muted); text-transform:uppercase;
         letter-spacing:.04em; margin-top:6px; }
pre { margin:2px 0 0; padding:8px 10px; background:#f3f5f8; border-radius:4px; white-space:pre-wrap;
      overflow-wrap:anywhere; }
pre.fix { background:#eef7ee; border-left:3px solid var(--ok); }
p.ok { margin:0; padding:12px 18px; color:var(--ok); font-weight:600; }
pre.records { background:#fff; border:1px solid var(--line); padding:14px 16px; }
footer { color:var(--muted); font-size:13px; padding:0 40px 30px; }
)css";

// A horizontal stacked bar per domain: errors, warnings, info.
std::string chart(const AuditReport& report, std::size_t max_domains) {
  std::vector<std::size_t> order(report.domains.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<Counts> counts;
  counts.reserve(report.domains.size());
  for (const auto& d : report.domains) counts.push_back(counts_of(d));
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Counts& x = counts[a];
    const Counts& y = counts[b];
    if (x.error != y.error) return x.error > y.error;
    if (x.warning != y.warning) return x.warning > y.warning;
    return x.info > y.info;
  });
  if (order.size() > max_domains) order.resize(max_domains);

  std::size_t max_total = 1;
  for (std::size_t i : order) max_total = std::max(max_total, counts[i].total());
  const int width = 1080, label_w = 300, right_pad = 50, row_h = 30, bar_h = 18, top = 10;
  const int axis_h = 26;
  const int bar_area = width - label_w - right_pad;
  const int height = top + static_cast<int>(order.size()) * row_h + axis_h;
  const double unit = static_cast<double>(bar_area) / static_cast<double>(max_total);

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"100%\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height) +
                    "\" aria-label=\"Findings per domain and severity\">\n";
  // Grid lines at whole numbers of findings.
  std::size_t step = std::max<std::size_t>(1, (max_total + 9) / 10);
  for (std::size_t v = 0; v <= max_total; v += step) {
    int x = label_w + static_cast<int>(static_cast<double>(v) * unit);
    svg += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(top - 4) + "\" x2=\"" +
           std::to_string(x) + "\" y2=\"" + std::to_string(height - axis_h + 2) +
           "\" stroke=\"#e3e6ec\"/>\n";
    svg += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(height - 8) +
           "\" font-size=\"12\" fill=\"#5b6475\" text-anchor=\"middle\">" + std::to_string(v) +
           "</text>\n";
  }
  int y = top;
  for (std::size_t i : order) {
    const DomainReport& d = report.domains[i];
    const Counts& c = counts[i];
    std::string name = d.domain.str();
    if (name.size() > 40) name = name.substr(0, 37) + "...";
    svg += "<a href=\"#d" + std::to_string(i) + "\"><text x=\"" + std::to_string(label_w - 10) +
           "\" y=\"" + std::to_string(y + bar_h - 4) +
           "\" font-size=\"13\" fill=\"#1d2330\" text-anchor=\"end\">" + esc(name) + "</text></a>\n";
    double x = label_w;
    auto segment = [&](std::size_t n, const char* color, const char* what) {
      if (n == 0) return;
      double w = static_cast<double>(n) * unit;
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%zu %s</title></rect>\n",
                    x, y, w, bar_h, color, n, what);
      svg += buf;
      x += w;
    };
    segment(c.error, "#c62828", c.error == 1 ? "error" : "errors");
    segment(c.warning, "#e08a00", c.warning == 1 ? "warning" : "warnings");
    segment(c.info, "#1e6fc8", "info");
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"%s\">%s</text>\n", x + 6,
                  y + bar_h - 4, c.total() == 0 ? "#2e7d32" : "#5b6475",
                  c.total() == 0 ? "ok" : std::to_string(c.total()).c_str());
    svg += buf;
    y += row_h;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace

std::string render_html(const AuditReport& report, const HtmlOptions& options) {
  const Summary s = report.summary();
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>authguard audit: " + esc(summary_line(s)) + "</title>\n";
  h += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  h += "<header><h1>Domain posture audit</h1><p>DMARC reject on every owned domain";
  if (options.generated != 0) h += " &middot; generated " + utc(options.generated);
  h += " &middot; authguard " + std::string(AUTHGUARD_VERSION) + "</p></header>\n<main>\n";

  // Summary.
  h += "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n";
  auto card = [&](const char* cls, std::size_t n, const std::string& label) {
    h += "<div class=\"card " + std::string(cls) + "\"><div class=\"n\">" + std::to_string(n) +
         "</div><div class=\"l\">" + label + "</div></div>\n";
  };
  card("domains", s.domains, s.domains == 1 ? "domain audited" : "domains audited");
  card("error", s.errors, s.errors == 1 ? "error" : "errors");
  card("warning", s.warnings, s.warnings == 1 ? "warning" : "warnings");
  card("info", s.infos, "info");
  h += "</div>\n";
  std::size_t clean = 0;
  for (const auto& d : report.domains) clean += d.findings.empty() ? 1 : 0;
  h += std::string("<p class=\"verdict ") + (s.errors > 0 ? "bad" : "good") + "\">" +
       esc(summary_line(s)) + " &middot; " + std::to_string(clean) + " of " +
       std::to_string(s.domains) + " without findings</p>\n</section>\n";

  // Chart.
  h += "<section id=\"chart\">\n<h2>Findings per domain</h2>\n<div class=\"panel\">\n";
  h += "<p class=\"legend\"><span><i style=\"background:#c62828\"></i>error</span>"
       "<span><i style=\"background:#e08a00\"></i>warning</span>"
       "<span><i style=\"background:#1e6fc8\"></i>info</span>";
  if (report.domains.size() > options.max_chart_domains) {
    h += "<span>the " + std::to_string(options.max_chart_domains) + " domains with most findings of " +
         std::to_string(report.domains.size()) + "</span>";
  }
  h += "</p>\n" + chart(report, options.max_chart_domains) + "</div>\n</section>\n";

  // Each domain.
  h += "<section id=\"domains\">\n<h2>Domains</h2>\n";
  for (std::size_t i = 0; i < report.domains.size(); ++i) {
    const DomainReport& d = report.domains[i];
    Counts c = counts_of(d);
    h += "<article class=\"domain\" id=\"d" + std::to_string(i) + "\">\n<h3>" + esc(d.domain.str()) +
         "<span class=\"kind\">" + kind_name(d.kind) + "</span><span class=\"tally\">";
    if (c.total() == 0) {
      h += "no findings";
    } else {
      std::string tally;
      auto part = [&](std::size_t n, const char* one, const char* many) {
        if (n == 0) return;
        if (!tally.empty()) tally += " &middot; ";
        tally += std::to_string(n) + " " + (n == 1 ? one : many);
      };
      part(c.error, "error", "errors");
      part(c.warning, "warning", "warnings");
      part(c.info, "info", "info");
      h += tally;
    }
    h += "</span></h3>\n";
    if (d.findings.empty()) {
      h += "<p class=\"ok\">No findings: this domain is where it should be.</p>\n</article>\n";
      continue;
    }
    h += "<table>\n";
    for (const auto& f : d.findings) {
      const char* sev = severity_name(f.severity);
      h += "<tr><td class=\"sev\"><span class=\"badge " + std::string(sev) + "\">" + sev +
           "</span></td><td class=\"id\"><code>" + esc(f.id) + "</code></td><td><p>" +
           esc(f.message) + "</p>";
      if (!f.evidence.empty()) {
        h += "<span class=\"label\">Evidence</span><pre>" + esc(f.evidence) + "</pre>";
      }
      if (!f.fix.empty()) {
        h += std::string("<span class=\"label\">") +
             (f.fix_kind == FixKind::kRecord ? "Record to publish" : "What to do") +
             "</span><pre class=\"fix\">" + esc(f.fix) + "</pre>";
      }
      h += "</td></tr>\n";
    }
    h += "</table>\n</article>\n";
  }
  h += "</section>\n";

  // Every record to publish, in one block to copy.
  std::string records;
  for (const auto& d : report.domains) {
    std::vector<std::string> seen;
    for (const auto& f : d.findings) {
      if (f.fix_kind != FixKind::kRecord) continue;
      if (std::find(seen.begin(), seen.end(), f.fix) != seen.end()) continue;
      if (seen.empty()) records += "; " + d.domain.str() + " (" + kind_name(d.kind) + ")\n";
      seen.push_back(f.fix);
      records += f.fix + "\n";
    }
  }
  h += "<section id=\"records\">\n<h2>Records to publish</h2>\n";
  if (records.empty()) {
    h += "<p>None: no finding asks for a DNS change.</p>\n";
  } else {
    h += "<pre class=\"records\">" + esc(records) + "</pre>\n";
  }
  h += "</section>\n</main>\n<footer>Made by <code>authguard audit</code>. Each finding names the "
       "evidence DNS gave and the fix; records are in zone-file form.</footer>\n</body>\n</html>\n";
  return h;
}

}  // namespace authguard::audit
