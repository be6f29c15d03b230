#include "mapping/login_name.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

namespace scopegate::mapping {

namespace {

// Bytes, after canonicalization; the raw input may be a few times longer (fullwidth forms).
constexpr std::size_t k_max_login = 256;
constexpr std::size_t k_max_raw = 4 * k_max_login;

bool forbidden(UChar32 c) {
  auto type = u_charType(c);
  return type == U_CONTROL_CHAR || type == U_FORMAT_CHAR || type == U_SURROGATE ||
         type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR ||
         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
         u_hasBinaryProperty(c, UCHAR_NONCHARACTER_CODE_POINT);
}

bool any_forbidden(const icu::UnicodeString& s) {
  for (int32_t i = 0; i < s.length();) {
    UChar32 c = s.char32At(i);
    if (forbidden(c)) return true;
    i += U16_LENGTH(c);
  }
  return false;
}

}  // namespace

std::optional<std::string> canonical_login(std::string_view raw, config::case_rule rule) {
  // Tabs around a login are trimmed like spaces; anywhere else a control character refuses.
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!raw.empty() && is_space(raw.front()))
    raw.remove_prefix(1);
  while (!raw.empty() && is_space(raw.back()))
    raw.remove_suffix(1);
  if (raw.empty() || raw.size() > k_max_raw) return std::nullopt;
  // Strict UTF-8: ill-formed input is an error here, not a replacement character.
  UErrorCode status = U_ZERO_ERROR;
  int32_t units = 0;
  u_strFromUTF8(nullptr, 0, &units, raw.data(), static_cast<int32_t>(raw.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return std::nullopt;
  icu::UnicodeString text;
  status = U_ZERO_ERROR;
  UChar* buffer = text.getBuffer(units);
  if (buffer == nullptr) return std::nullopt;
  u_strFromUTF8(buffer, units, nullptr, raw.data(), static_cast<int32_t>(raw.size()), &status);
  text.releaseBuffer(U_SUCCESS(status) ? units : 0);
  if (U_FAILURE(status) || any_forbidden(text)) return std::nullopt;

  status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = rule == config::case_rule::lower
                                           ? icu::Normalizer2::getNFKCCasefoldInstance(status)
                                           : icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) return std::nullopt;
  icu::UnicodeString normal = normalizer->normalize(text, status);
  if (U_FAILURE(status) || any_forbidden(normal)) return std::nullopt;

  // Every space becomes one U+0020; leading and trailing ones go (as in directory matching).
  icu::UnicodeString spaced;
  bool pending_space = false;
  for (int32_t i = 0; i < normal.length();) {
    UChar32 c = normal.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      pending_space = !spaced.isEmpty();
      continue;
    }
    if (pending_space) spaced.append(static_cast<UChar>(u' '));
    pending_space = false;
    spaced.append(c);
  }
  if (spaced.isEmpty()) return std::nullopt;
  std::string out;
  spaced.toUTF8String(out);
  if (out.size() > k_max_login) return std::nullopt;
  return out;
}

std::optional<std::string> stored_login(const ldap::entry& agent_entry, const config::config& cfg) {
  std::optional<std::string> out;
  if (const auto* values = agent_entry.values(cfg.agents.login_attribute)) {
    for (const auto& v : *values) {
      auto c = canonical_login(v, cfg.auth.login_case);
      if (c && (!out || *c < *out)) out = std::move(c);
    }
  }
  return out;
}

}  // namespace scopegate::mapping
