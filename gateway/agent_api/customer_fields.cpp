#include "gateway/agent_api/customer_fields.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/http/problem.hpp"

namespace scopegate::gateway::agent_api {

namespace json = boost::json;

bool clean_value(std::string_view v) {
  if (v.size() > k_max_field_value) return false;
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

bool known_field(const config::customers_config& c, std::string_view field) {
  return std::any_of(c.fields.begin(), c.fields.end(),
                     [&](const config::customer_field& f) { return f.name == field; });
}

bool editable(const config::customers_config& c, std::string_view field) {
  if (field == "login") return false;
  if (c.editable_fields.empty()) return known_field(c, field);
  return std::find(c.editable_fields.begin(), c.editable_fields.end(), field) !=
         c.editable_fields.end();
}

std::string read_fields(const config::customers_config& c, std::string_view body, bool creating,
                        mapping::field_changes& out) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return "the body must be a JSON object of field names to values";
  for (const auto& [key, value] : v.as_object()) {
    std::string field(key);
    // Checked before anything else and before any lookup: the answer is the same whatever
    // login is named and whether it exists.
    if (creating && field == "login")
      return "logins are assigned by the gateway: leave out 'login' (the answer names the new "
             "customer's login)";
    if (!known_field(c, field)) return "unknown field '" + field.substr(0, 64) + "'";
    bool allowed = editable(c, field) || (creating && field == "customer_id");
    if (!allowed) return "field '" + field + "' cannot be " + (creating ? "set" : "changed");
    if (value.is_null()) {
      if (field == "customer_id" || field == "login") return "field '" + field + "' is required";
      out[field] = std::nullopt;
    } else if (value.is_string()) {
      std::string s(value.as_string());
      if (!clean_value(s))
        return "field '" + field + "' is too long or contains control characters";
      if (s.empty() && (field == "customer_id" || field == "login"))
        return "field '" + field + "' must not be empty";
      out[field] = std::move(s);
    } else {
      return "field '" + field + "' must be a string or null";
    }
  }
  return {};
}

write_refusal refusal_of(const mapping::write_error& e) {
  using s = http::status;
  switch (e.code) {
    case mapping::write_errc::constraint:
      return {s::unprocessable_entity, "constraint-violation",
              "the directory refused a value (constraint violation)"};
    case mapping::write_errc::schema:
      return {s::unprocessable_entity, "schema-violation",
              "the directory schema does not allow these values"};
    case mapping::write_errc::not_found:
      return {s::not_found, "customer-not-found", "no such customer"};
    case mapping::write_errc::forbidden:
      return {s::bad_gateway, "directory-refused", "the service account may not write this entry"};
    case mapping::write_errc::unavailable:
      return {s::service_unavailable, "ldap-unavailable",
              "the directory cannot be reached; try again shortly"};
    case mapping::write_errc::invalid:
      return {s::unprocessable_entity, "invalid-value", "a required field is missing"};
    case mapping::write_errc::exists:  // never "exists": that would tell of other scopes
    case mapping::write_errc::refused:
      break;
  }
  return {s::bad_gateway, "directory-refused", "the directory refused the change"};
}

response write_error(const mapping::write_error& e) {
  auto r = refusal_of(e);
  return problem(r.status, r.type, r.detail);
}

response query_failed(const mapping::query_error& e) {
  if (e.kind == mapping::query_errc::unavailable) return directory_unavailable();
  return problem(http::status::bad_gateway, "directory-refused",
                 "the directory refused the lookup");
}

response verdict_response(const policy::record_verdict& v, std::string_view what,
                          const policy::access_decision& access) {
  switch (v.outcome) {
    case policy::verdict::allow:
    case policy::verdict::error:
      break;
    case policy::verdict::not_found:
      // Out of scope and missing look the same.
      return problem(http::status::not_found, "customer-not-found", "no such customer");
    case policy::verdict::forbidden:
      switch (v.reason) {
        case policy::refusal::unassigned:
          return problem(http::status::forbidden, "agent-unassigned",
                         "this agent is not assigned to any partner");
        case policy::refusal::section_hidden:
          return problem(http::status::forbidden, "section-hidden",
                         "the customer section is hidden for this agent (access mode 'hidden')");
        case policy::refusal::contact_blocked:
          return problem(http::status::forbidden, "contact-blocked",
                         "this agent may not see customer contact details");
        case policy::refusal::mode_forbids_edit:
        case policy::refusal::mode_forbids_export:
        case policy::refusal::mode_forbids_import:
          return mode_refused(what, access);
        case policy::refusal::none:
          break;
      }
      break;
  }
  return directory_unavailable();
}

response mode_refused(std::string_view what, const policy::access_decision& d) {
  return problem(
      http::status::forbidden, "mode-forbids",
      std::string(what) + " is not allowed in access mode '" + config::to_string(d.mode) + "'");
}

}  // namespace scopegate::gateway::agent_api
