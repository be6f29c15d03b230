#include "gateway/agent_api/page_token.hpp"

#include "gateway/http/base64.hpp"

namespace scopegate::gateway::agent_api {

namespace {
constexpr std::string_view k_prefix = "v1:";
}

std::string encode_page_token(std::string_view login) {
  std::string plain(k_prefix);
  plain.append(login);
  return base64_encode(plain, true);
}

std::optional<std::string> decode_page_token(std::string_view token) {
  auto decoded = base64_decode(token);
  if (!decoded || !decoded->starts_with(k_prefix) || decoded->size() == k_prefix.size())
    return std::nullopt;
  return decoded->substr(k_prefix.size());
}

}  // namespace scopegate::gateway::agent_api
