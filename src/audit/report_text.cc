// report_text.cc: the terminal table of an audit report.
#include <algorithm>

#include "audit/report.h"
#include "core/strings.h"

namespace authguard::audit {

namespace {

constexpr std::size_t kWrapColumn = 100;  // messages wrap here; records never do
constexpr std::size_t kMaxIdColumn = 26;

// DNS text reaches the terminal: control bytes (ESC first of all) become '?'.
std::string safe(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f) c = '?';
  }
  return out;
}

struct Style {
  bool on;
  [[nodiscard]] std::string wrap(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
  }
};

const char* severity_code(Severity s) {
  switch (s) {
    case Severity::kError: return "1;31";
    case Severity::kWarning: return "33";
    case Severity::kInfo: return "36";
  }
  return "0";
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Word-wraps `text` to lines of at most `width`, continuation lines indented.
std::string wrap_words(std::string_view text, std::size_t width, std::size_t indent) {
  std::string out;
  std::size_t col = 0;
  for (std::string_view word : split(text, ' ')) {
    if (word.empty()) continue;
    if (col > 0 && col + 1 + word.size() > width) {
      out += '\n' + std::string(indent, ' ');
      col = 0;
    } else if (col > 0) {
      out += ' ';
      ++col;
    }
    out += word;
    col += word.size();
  }
  return out;
}

// Lines of a multi-line value, the first after `label`, the rest aligned.
std::string labelled(const Style& st, std::string_view label, std::string_view value,
                     std::size_t indent) {
  std::string pad(indent, ' ');
  std::string out;
  bool first = true;
  for (std::string_view line : split(value, '\n')) {
    out += pad;
    out += first ? st.wrap("2", std::string(label)) + "  " : std::string(label.size() + 2, ' ');
    out += safe(line);
    out += '\n';
    first = false;
  }
  return out;
}

std::string count(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

std::string summary_line(const Summary& s) {
  return count(s.domains, "domain", "domains") + ": " + count(s.errors, "error", "errors") + ", " +
         count(s.warnings, "warning", "warnings") + ", " + std::to_string(s.infos) + " info";
}

std::string render_text(const AuditReport& report, const TextOptions& options) {
  const Style st{options.color};
  std::size_t id_width = 0;
  for (const auto& d : report.domains) {
    for (const auto& f : d.findings) id_width = std::max(id_width, f.id.size());
  }
  id_width = std::min(id_width, kMaxIdColumn);
  const std::size_t sev_width = 7;  // "WARNING"
  const std::size_t message_col = 2 + sev_width + 2 + id_width + 2;
  const std::size_t message_width = kWrapColumn > message_col + 30 ? kWrapColumn - message_col : 30;

  std::string out;
  for (const auto& d : report.domains) {
    std::size_t e = 0, w = 0, i = 0;
    for (const auto& f : d.findings) {
      (f.severity == Severity::kError ? e : f.severity == Severity::kWarning ? w : i)++;
    }
    out += st.wrap("1", safe(d.domain.str())) + "  " + kind_name(d.kind) + "  ";
    if (d.findings.empty()) {
      out += st.wrap("32", "ok: no findings");
    } else {
      std::string counts;
      if (e) counts += count(e, "error", "errors");
      if (w) counts += (counts.empty() ? "" : ", ") + count(w, "warning", "warnings");
      if (i) counts += (counts.empty() ? "" : ", ") + std::to_string(i) + " info";
      out += counts;
    }
    out += '\n';
    for (const auto& f : d.findings) {
      std::string sev = upper(severity_name(f.severity));
      sev.resize(sev_width, ' ');
      std::string id = f.id;
      if (id.size() < id_width) id.resize(id_width, ' ');
      out += "  " + st.wrap(severity_code(f.severity), sev) + "  " + id + "  ";
      out += safe(wrap_words(f.message, message_width, message_col)) + '\n';
      if (!f.evidence.empty()) out += labelled(st, "evidence", f.evidence, message_col);
      if (!f.fix.empty()) out += labelled(st, "fix     ", f.fix, message_col);
    }
    out += '\n';
  }
  out += st.wrap("1", summary_line(report.summary())) + '\n';
  return out;
}

}  // namespace authguard::audit
