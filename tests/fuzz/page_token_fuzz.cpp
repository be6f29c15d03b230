// Page tokens of GET /api/v1/customers (gateway/agent_api/page_token.hpp) and the base64
// beneath them. The input is tried both as a token from a client and as a login.
// Properties: a token that decodes names a non-empty login, and the token made for that
// login decodes to it again; any non-empty login survives encode -> decode unchanged, and
// the token is URL-safe (base64url, no padding); base64 in either alphabet round-trips.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/agent_api/page_token.hpp"
#include "gateway/http/base64.hpp"

namespace {

using namespace scopegate::gateway;

void require(bool ok, const char* what) {
  if (!ok) {
    std::printf("property violated: %s\n", what);
    std::abort();
  }
}

bool url_safe(std::string_view token) {
  for (char c : token)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto login = agent_api::decode_page_token(input)) {
    require(!login->empty(), "a decoded token names a login");
    auto again = agent_api::decode_page_token(agent_api::encode_page_token(*login));
    require(again && *again == *login, "re-encoding a decoded token keeps its login");
  }

  if (!input.empty()) {
    auto token = agent_api::encode_page_token(input);
    require(url_safe(token), "a page token is base64url without padding");
    auto back = agent_api::decode_page_token(token);
    require(back && *back == input, "a login survives encode -> decode");
  }

  for (bool url : {false, true}) {
    auto back = base64_decode(base64_encode(input, url));
    require(back && *back == input, "base64 round-trips");
  }
  return 0;
}
