// The opaque page tokens of GET /api/v1/customers: base64url of "v1:" and the last login of
// the page, so a client continues after that login. A token is data from the client: the
// decoded login is only ever compared with logins (and escaped into filters), never trusted.
//
//   body["next_page_token"] = encode_page_token(*page->next_after);
//   auto after = decode_page_token(params->text("page_token"));   // nullopt: 400
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scopegate::gateway::agent_api {

// The token that continues after `login`.
[[nodiscard]] std::string encode_page_token(std::string_view login);
// The login `token` continues after; nullopt when it is not base64, names another version
// or holds no login.
[[nodiscard]] std::optional<std::string> decode_page_token(std::string_view token);

}  // namespace scopegate::gateway::agent_api
