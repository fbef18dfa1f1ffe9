// canon.cc: simple and relaxed canonicalization (RFC 6376 §3.4).
#include "dkim/canon.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstring>

#include "core/strings.h"

namespace authguard::dkim {

void BodyHash::write(std::string_view canonical) {
  std::uint64_t before = total_;
  total_ += canonical.size();
  if (!limit_) {
    hasher_.update(canonical);
    return;
  }
  if (before >= *limit_) return;
  std::uint64_t room = *limit_ - before;
  hasher_.update(canonical.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(room, canonical.size()))));
}

namespace {

constexpr bool is_wsp_or_eol(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A byte the state machine must see: everything else is copied unchanged.
//   relaxed: a tab; a space followed by whitespace or a line end;
//   both:    a CR not followed by LF; an LF not preceded by CR; an LF
//            followed by CR or LF (an empty line may follow).
// At the chunk's edges the unknown neighbour counts as "special".
inline bool special_at(const char* p, std::size_t k, std::size_t n, bool relaxed) {
  char c = p[k];
  switch (c) {
    case '\t': return relaxed;
    case ' ': return relaxed && (k + 1 >= n || is_wsp_or_eol(p[k + 1]));
    case '\r': return k + 1 >= n || p[k + 1] != '\n';
    case '\n':
      return k == 0 || p[k - 1] != '\r' || k + 1 >= n || p[k + 1] == '\r' || p[k + 1] == '\n';
    default: return false;
  }
}

// The scalar scan, for the edges and for machines without SIMD.
std::size_t find_special_scalar(const char* p, std::size_t i, std::size_t n, bool relaxed) {
  for (; i < n; ++i) {
    if (special_at(p, i, n, relaxed)) return i;
  }
  return n;
}

#if defined(__x86_64__)
// 32 bytes a step with AVX2, chosen at run time (the build targets plain
// x86-64). Needs p[i-1] .. p[i+32].
__attribute__((target("avx2"))) std::size_t find_special_avx2(const char* p, std::size_t i,
                                                              std::size_t n, bool relaxed) {
  const __m256i cr = _mm256_set1_epi8('\r');
  const __m256i lf = _mm256_set1_epi8('\n');
  const __m256i sp = _mm256_set1_epi8(' ');
  const __m256i tab = _mm256_set1_epi8('\t');
  while (i + 33 <= n) {
    __m256i prev = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i - 1));
    __m256i cur = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));
    __m256i is_cr = _mm256_cmpeq_epi8(cur, cr);
    __m256i is_lf = _mm256_cmpeq_epi8(cur, lf);
    __m256i next_lf = _mm256_cmpeq_epi8(next, lf);
    __m256i next_cr = _mm256_cmpeq_epi8(next, cr);
    __m256i m = _mm256_andnot_si256(next_lf, is_cr);
    m = _mm256_or_si256(m, _mm256_andnot_si256(_mm256_cmpeq_epi8(prev, cr), is_lf));
    m = _mm256_or_si256(m, _mm256_and_si256(is_lf, _mm256_or_si256(next_cr, next_lf)));
    if (relaxed) {
      __m256i next_ws = _mm256_or_si256(
          _mm256_or_si256(_mm256_cmpeq_epi8(next, sp), _mm256_cmpeq_epi8(next, tab)),
          _mm256_or_si256(next_cr, next_lf));
      m = _mm256_or_si256(m, _mm256_cmpeq_epi8(cur, tab));
      m = _mm256_or_si256(m, _mm256_and_si256(_mm256_cmpeq_epi8(cur, sp), next_ws));
    }
    auto mask = static_cast<unsigned>(_mm256_movemask_epi8(m));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
    i += 32;
  }
  return find_special_scalar(p, i, n, relaxed);
}
#endif

#if defined(__SSE2__)
// 16 bytes a step with SSE2 (always there on x86-64). Needs p[i-1] .. p[i+16].
std::size_t find_special_sse2(const char* p, std::size_t i, std::size_t n, bool relaxed) {
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i sp = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  while (i + 17 <= n) {
    __m128i prev = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i - 1));
    __m128i cur = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    __m128i is_cr = _mm_cmpeq_epi8(cur, cr);
    __m128i is_lf = _mm_cmpeq_epi8(cur, lf);
    __m128i next_lf = _mm_cmpeq_epi8(next, lf);
    __m128i next_cr = _mm_cmpeq_epi8(next, cr);
    // CR not followed by LF; LF not preceded by CR, or followed by CR/LF.
    __m128i m = _mm_andnot_si128(next_lf, is_cr);
    m = _mm_or_si128(m, _mm_andnot_si128(_mm_cmpeq_epi8(prev, cr), is_lf));
    m = _mm_or_si128(m, _mm_and_si128(is_lf, _mm_or_si128(next_cr, next_lf)));
    if (relaxed) {
      __m128i next_ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(next, sp), _mm_cmpeq_epi8(next, tab)),
                                     _mm_or_si128(next_cr, next_lf));
      m = _mm_or_si128(m, _mm_cmpeq_epi8(cur, tab));
      m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(cur, sp), next_ws));
    }
    int mask = _mm_movemask_epi8(m);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    i += 16;
  }
  return find_special_scalar(p, i, n, relaxed);
}
#endif

using FindFn = std::size_t (*)(const char*, std::size_t, std::size_t, bool);

FindFn pick_find_special() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return find_special_avx2;
#endif
#if defined(__SSE2__)
  return find_special_sse2;
#else
  return find_special_scalar;
#endif
}

// The first special byte at or after i, or n.
std::size_t find_special(const char* p, std::size_t i, std::size_t n, bool relaxed) {
  static const FindFn fn = pick_find_special();
  if (i == 0 && i < n) {  // the SIMD steps read p[i-1]
    if (special_at(p, 0, n, relaxed)) return 0;
    i = 1;
  }
  return fn(p, i, n, relaxed);
}

}  // namespace

void BodyCanonicalizer::flush() {
  if (used_ > 0) {
    sink_.write(std::string_view(buf_, used_));
    used_ = 0;
  }
}

void BodyCanonicalizer::emit(std::string_view s) {
  if (s.size() >= 1024) {
    flush();
    sink_.write(s);
    return;
  }
  if (used_ + s.size() > sizeof buf_) flush();
  std::memcpy(buf_ + used_, s.data(), s.size());
  used_ += s.size();
}

void BodyCanonicalizer::flush_blank_lines() {
  static constexpr char kCrlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
  while (blank_lines_ > 0) {
    std::uint64_t n = std::min<std::uint64_t>(blank_lines_, 8);
    emit(std::string_view(kCrlfs, static_cast<std::size_t>(n) * 2));
    blank_lines_ -= n;
  }
}

void BodyCanonicalizer::end_of_line() {
  pending_wsp_ = false;  // relaxed: trailing whitespace is ignored
  if (line_has_content_) {
    emit("\r\n");
    any_output_ = true;
  } else {
    ++blank_lines_;
  }
  line_has_content_ = false;
}

void BodyCanonicalizer::step(char c) {
  if (pending_cr_) {
    pending_cr_ = false;
    if (c == '\n') {
      end_of_line();
      return;
    }
    // A bare CR is an ordinary character.
    flush_blank_lines();
    if (pending_wsp_) emit(" ");
    pending_wsp_ = false;
    emit("\r");
    line_has_content_ = any_output_ = true;
  }
  if (c == '\r') {
    pending_cr_ = true;
    return;
  }
  if (c == '\n') {
    end_of_line();
    return;
  }
  if (relaxed_ && (c == ' ' || c == '\t')) {
    pending_wsp_ = true;
    return;
  }
  flush_blank_lines();
  if (pending_wsp_) emit(" ");
  pending_wsp_ = false;
  emit(std::string_view(&c, 1));
  line_has_content_ = any_output_ = true;
}

void BodyCanonicalizer::update(std::string_view chunk) {
  const char* p = chunk.data();
  const std::size_t n = chunk.size();
  std::size_t i = 0;
  while (i < n) {
    bool plain = !pending_cr_ && !pending_wsp_ && blank_lines_ == 0 &&
                 (line_has_content_ || (p[i] != '\r' && p[i] != '\n'));
    if (plain) {
      std::size_t j = find_special(p, i, n, relaxed_);
      // Leave the CR of a special LF's CRLF to the state machine.
      if (j < n && p[j] == '\n' && j > i && p[j - 1] == '\r') --j;
      if (j > i) {
        emit(std::string_view(p + i, j - i));
        any_output_ = true;
        line_has_content_ = p[j - 1] != '\n';
        i = j;
        continue;
      }
    }
    step(p[i]);
    ++i;
  }
}

void BodyCanonicalizer::finish() {
  if (pending_cr_) {
    pending_cr_ = false;
    flush_blank_lines();
    if (pending_wsp_) emit(" ");
    pending_wsp_ = false;
    emit("\r");
    line_has_content_ = any_output_ = true;
  }
  if (line_has_content_) {
    emit("\r\n");  // §3.4.3, §3.4.4: a body not ending in CRLF gets one
    any_output_ = true;
    line_has_content_ = false;
  }
  if (!relaxed_ && !any_output_) emit("\r\n");  // §3.4.3: an empty body is CRLF
  blank_lines_ = 0;
  pending_wsp_ = false;
  flush();
}

namespace {

// Relaxed header value (§3.4.2): unfold, reduce WSP runs to one SP, drop
// leading and trailing WSP. Unfolding removes line breaks (CRLF, or the bare
// LF the message model reads as one); a CR on its own is an ordinary byte and
// stays, as in dkimpy and Mail::DKIM, so it cannot be added unnoticed.
void relaxed_value(std::string_view value, std::string& out) {
  bool wsp = false;
  bool started = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\n' || (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n')) continue;
    if (c == ' ' || c == '\t') {
      wsp = true;
      continue;
    }
    if (wsp && started) out += ' ';
    wsp = false;
    started = true;
    out += c;
  }
}

}  // namespace

void append_simple(std::string_view text, std::string& out) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
}

void canonicalize_header(Canon canon, const HeaderField& field, std::string& out) {
  if (canon == Canon::kSimple) {
    append_simple(field.raw, out);
    if (field.raw.empty() || field.raw.back() != '\n') out += "\r\n";
    return;
  }
  canonicalize_header_value(canon, field.name, field.value, out);
  out += "\r\n";
}

void canonicalize_header_value(Canon canon, std::string_view name, std::string_view value,
                               std::string& out) {
  if (canon == Canon::kSimple) {
    append_simple(name, out);
    out += ':';
    append_simple(value, out);
    return;
  }
  for (char c : name) out += ascii_lower(c);
  out += ':';
  relaxed_value(value, out);
}

}  // namespace authguard::dkim
