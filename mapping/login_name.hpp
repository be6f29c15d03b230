// The canonical form of an agent login, used for what a client types and for the value
// stored in the agent's entry alike, so one directory entry is one principal whatever
// Unicode spelling reaches the gateway.
//
//   canonical_login("  Ｊö\u0308RG ", case_rule::lower)  ->  "jörg"   (fullwidth, NFD, upper case)
//   canonical_login("a\u200bb", ...)                      ->  nullopt (invisible character)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "ldap/client.hpp"

namespace scopegate::mapping {

// Unicode NFKC, all spaces mapped to U+0020, trimmed, inner runs of spaces collapsed, and
// with `case_rule::lower` full Unicode case folding (NFKC_Casefold). nullopt when the input
// is not valid UTF-8, empty after trimming, too long, or contains control, format or other
// default-ignorable characters (the directory ignores those when it compares, so they would
// give one entry several names). Thread-safe.
[[nodiscard]] std::optional<std::string> canonical_login(std::string_view raw,
                                                         config::case_rule rule);

// The principal name of an agent entry: the canonical form of its login attribute (the
// smallest one if it holds several, so the name never depends on which value a client
// typed). nullopt when no value has a canonical form.
[[nodiscard]] std::optional<std::string> stored_login(const ldap::entry& agent_entry,
                                                      const config::config& cfg);

}  // namespace scopegate::mapping
