// What agents may write into a customer entry, shared by single writes and the CSV import:
// which fields are editable, value checks, and how a refused write is told to the client.
#pragma once

#include <string>
#include <string_view>

#include "gateway/http/server.hpp"
#include "mapping/customer_source.hpp"
#include "mapping/customer_store.hpp"
#include "policy/access_mode.hpp"
#include "policy/record_access.hpp"

namespace scopegate::gateway::agent_api {

inline constexpr std::size_t k_max_field_value = 1024;

// Bounded and free of control characters.
[[nodiscard]] bool clean_value(std::string_view v);
// May an agent change `field` of an existing customer? (login never; otherwise
// customers.editable_fields, or every configured field when that list is empty.)
[[nodiscard]] bool editable(const config::customers_config& c, std::string_view field);
// Is `field` one of customers.fields?
[[nodiscard]] bool known_field(const config::customers_config& c, std::string_view field);
// Reads a JSON object of field -> string|null into `out`. Returns an error text, or "".
[[nodiscard]] std::string read_fields(const config::customers_config& c, std::string_view body,
                                      bool creating, mapping::field_changes& out);
// What the client is told about a failed directory write; details stay in the log.
struct write_refusal {
  http::status status;
  std::string_view type;
  std::string_view detail;
};
[[nodiscard]] write_refusal refusal_of(const mapping::write_error& e);
[[nodiscard]] response write_error(const mapping::write_error& e);
[[nodiscard]] response query_failed(const mapping::query_error& e);
// The answer for a verdict that is not allow: 403 by its refusal (mode refusals name
// `what`, e.g. "creating customers"), 404 for out of scope or missing, 503 for error.
[[nodiscard]] response verdict_response(const policy::record_verdict& v, std::string_view what,
                                        const policy::access_decision& access);
// 403: the agent's access mode does not allow `what`.
[[nodiscard]] response mode_refused(std::string_view what, const policy::access_decision& d);

}  // namespace scopegate::gateway::agent_api
