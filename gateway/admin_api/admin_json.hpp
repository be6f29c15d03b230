// JSON shapes and small rules shared by the admin API's resources: partners, history
// entries, access modes and settings as the dashboard reads them, and how store errors are
// told to the client.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gateway/admin_api/change_log.hpp"
#include "gateway/http/server.hpp"
#include "mapping/mapping_preview.hpp"
#include "mapping/mapping_store.hpp"
#include "policy/access_mode.hpp"

namespace scopegate::gateway::admin_api {

namespace json = boost::json;

// At most this many values in one list of a request.
inline constexpr std::size_t k_max_list = 5'000;

// A store failure as the client sees it (404, 409, 422 or 503); details go to the log.
[[nodiscard]] response from_store(const mapping::store_error& e, std::string_view what = "partner");
// 409 asking the client to confirm customer IDs no customer carries.
[[nodiscard]] response unknown_ids_problem(const std::vector<std::string>& unknown,
                                           std::string_view detail);
[[nodiscard]] json::array to_array(const std::vector<std::string>& v);
[[nodiscard]] std::string quoted_etag(const std::string& version);
// The version a client names in If-Match ("" when absent). `*` matches any version.
[[nodiscard]] std::string if_match(const request& req);
[[nodiscard]] json::object partner_json(const mapping::partner_record& p);
// The partner as the history stores it.
[[nodiscard]] std::string partner_state(const mapping::partner_record& p);
[[nodiscard]] response partner_response(const mapping::partner_record& p, http::status status);
// A list of strings from `o[key]` (a string counts as a list of one). Values must be valid
// mapping values. false (with `error`) on anything else.
[[nodiscard]] bool string_list(const json::object& o, std::string_view key,
                               std::vector<std::string>& out, std::string& error);
// Sorted a minus sorted b.
[[nodiscard]] std::vector<std::string> difference(const std::vector<std::string>& a,
                                                  const std::vector<std::string>& b);
[[nodiscard]] json::object effect_json(const mapping::agent_effect& e);
[[nodiscard]] json::object history_json(const history_entry& e);
[[nodiscard]] std::string list_summary(const std::vector<std::string>& v);
[[nodiscard]] std::string change_summary(const std::string& id,
                                         const std::vector<std::string>& added,
                                         const std::vector<std::string>& removed);
[[nodiscard]] std::vector<std::string> json_strings(const json::value& v, std::string_view key);
[[nodiscard]] std::string json_string(const json::value& v, std::string_view key);
[[nodiscard]] mapping::link_mode default_link_mode(const config::config& cfg);
[[nodiscard]] std::string_view to_string(mapping::link_mode m);
// A configured link mode by name ("" = the default one); nullopt when not configured.
[[nodiscard]] std::optional<mapping::link_mode> parse_link_mode(std::string_view s,
                                                                const config::config& cfg);
[[nodiscard]] json::object mode_json(const std::string& login, const policy::access_decision& d,
                                     std::string_view attribute_value);
[[nodiscard]] json::object mode_state(const std::string& login, std::string_view value);
[[nodiscard]] json::array group_modes_json(const std::vector<config::group_mode>& modes);
[[nodiscard]] json::object settings_json(const config::config& cfg, bool see_all,
                                         const std::vector<config::group_mode>& modes);
[[nodiscard]] json::object switch_state(bool on);
}  // namespace scopegate::gateway::admin_api
