// Base64 (RFC 4648) for Basic credentials and opaque page tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scopegate::gateway {

// `url_safe` selects the base64url alphabet without padding.
[[nodiscard]] std::string base64_encode(std::string_view data, bool url_safe = false);
// Accepts either alphabet; padding optional. nullopt on any other character.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace scopegate::gateway
