// /admin/api/v1/partners (list, create), /partners/{id} (get, rename, delete),
// /partners/{id}/customer-ids (grant and withdraw customer IDs) and /customer-ids (the
// directory's customer IDs, for suggestions). Writes name the version they were based on
// (If-Match) and are recorded in the history before they are applied.
#include <spdlog/spdlog.h>
#include <algorithm>
#include <map>

#include "gateway/admin_api/admin_json.hpp"
#include "gateway/admin_api/resources.hpp"
#include "gateway/http/json_body.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway::admin_api {

partners_resource::partners_resource(mapping::mapping_store& store, change_log& changes)
    : store_(store), changes_(changes) {}

net::awaitable<response> partners_resource::list(request_context& ctx) {
  auto params = parameters::from_query(ctx.url, {"q", "offset", "limit"});
  if (!params) co_return bad_query(params.error().detail);
  auto offset_param = params->size("offset", 0, 1'000'000, 0);
  if (!offset_param) co_return bad_query(offset_param.error().detail);
  auto limit_param = params->size("limit", 1, 500, 50);
  if (!limit_param) co_return bad_query(limit_param.error().detail);
  std::size_t offset = *offset_param, limit = *limit_param;
  auto partners = co_await store_.list_partners();
  if (!partners) co_return from_store(partners.error());
  std::string everyone;
  auto agents = co_await store_.list_agents(std::move(everyone));
  if (!agents) co_return from_store(agents.error());
  std::map<std::string, std::size_t> agent_counts;
  for (const auto& a : *agents)
    for (const auto& id : mapping::partner_ids_of(a, *partners))
      ++agent_counts[id];
  auto lower = [](std::string s) {
    for (auto& ch : s)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return s;
  };
  auto q = lower(params->text("q"));
  json::array items;
  std::size_t total = 0;
  for (const auto& p : *partners) {
    if (!q.empty() && lower(p.id).find(q) == std::string::npos &&
        lower(p.name).find(q) == std::string::npos)
      continue;
    ++total;
    if (total <= offset || items.size() >= limit) continue;
    json::object o;
    o["id"] = p.id;
    o["name"] = p.name;
    o["customer_id_count"] = p.customer_ids.size();
    o["agent_count"] = agent_counts[p.id];
    o["version"] = p.version;
    items.push_back(std::move(o));
  }
  json::object body;
  body["items"] = std::move(items);
  body["total"] = total;
  body["offset"] = offset;
  body["limit"] = limit;
  co_return json_response(body);
}

net::awaitable<response> partners_resource::get(request_context& ctx) {
  const std::string& id = ctx.param("id");
  std::string lookup = id;
  auto found = co_await store_.find_partner(std::move(lookup));
  if (!found) co_return from_store(found.error());
  if (!*found) co_return problem(http::status::not_found, "not-found", "no such partner");
  std::string everyone;
  auto agents = co_await store_.list_agents(std::move(everyone));
  if (!agents) co_return from_store(agents.error());
  std::vector<mapping::partner_record> just_this(1, **found);
  json::array members;
  for (const auto& a : *agents) {
    bool by_attribute = std::binary_search(a.partner_ids.begin(), a.partner_ids.end(), id);
    auto ids = mapping::partner_ids_of(a, just_this);
    bool by_member = !by_attribute && std::binary_search(ids.begin(), ids.end(), id);
    if (!by_attribute && !by_member) continue;
    json::object o;
    o["login"] = a.login;
    o["name"] = a.name;
    o["link"] = by_attribute ? "agent_attribute" : "partner_member";
    members.push_back(std::move(o));
  }
  auto body = partner_json(**found);
  body["agents"] = std::move(members);
  auto res = json_response(body);
  res.set(http::field::etag, quoted_etag((*found)->version));
  co_return res;
}

net::awaitable<response> partners_resource::create(request_context& ctx) {
  auto body = json_object_body(ctx.req);
  if (!body) co_return body.error();
  auto id = string_member(*body, "id");
  auto name = string_member(*body, "name");
  if (!mapping::valid_partner_id(id))
    co_return problem(http::status::unprocessable_entity, "invalid-partner-id",
                      "a partner ID is 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                      "letter or digit");
  if (name.empty()) name = id;
  if (!mapping::valid_mapping_value(name))
    co_return problem(http::status::unprocessable_entity, "invalid-name",
                      "the display name must be 1 to 256 characters without control characters");
  std::vector<std::string> ids;
  std::string error;
  if (!string_list(*body, "customer_ids", ids, error))
    co_return problem(http::status::unprocessable_entity, "invalid-customer-ids", error);
  if (!ids.empty() && !true_member(*body, "confirm_unknown")) {
    auto check = ids;
    auto unknown = co_await store_.unknown_customer_ids(std::move(check));
    if (!unknown) co_return from_store(unknown.error());
    if (!unknown->empty()) {
      co_return unknown_ids_problem(*unknown,
                                    "no customer carries some of these customer IDs; send "
                                    "confirm_unknown: true to assign them anyway");
    }
  }
  history_entry e;
  e.actor = ctx.admin->login;
  e.action = "partner.create";
  e.partner_id = id;
  e.summary = "created partner " + id + " (" + name + ")";
  e.before_json = "null";
  auto ticket = co_await changes_.begin(std::move(e));
  if (!ticket) co_return history_refused(ticket.error());
  std::vector<std::string> no_members;
  std::string new_id = id;
  std::string new_name = name;
  auto created = co_await store_.create_partner(std::move(new_id), std::move(new_name),
                                                std::move(ids), std::move(no_members));
  if (!created) {
    co_await changes_.abandon(std::move(*ticket));
    co_return from_store(created.error());
  }
  std::string after_state = partner_state(*created);
  auto recorded = co_await changes_.complete(std::move(*ticket), std::move(after_state));
  (void)recorded;
  co_return partner_response(*created, http::status::created);
}

net::awaitable<response> partners_resource::rename(request_context& ctx) {
  const std::string& id = ctx.param("id");
  auto body = json_object_body(ctx.req);
  if (!body) co_return body.error();
  auto name = string_member(*body, "name");
  if (!mapping::valid_mapping_value(name))
    co_return problem(http::status::unprocessable_entity, "invalid-name",
                      "the display name must be 1 to 256 characters without control characters");
  std::string lookup = id;
  auto before = co_await store_.find_partner(std::move(lookup));
  if (!before) co_return from_store(before.error());
  if (!*before) co_return problem(http::status::not_found, "not-found", "no such partner");
  history_entry e;
  e.actor = ctx.admin->login;
  e.action = "partner.rename";
  e.partner_id = id;
  e.summary = "renamed " + id + " from \"" + (*before)->name + "\" to \"" + name + "\"";
  e.before_json = partner_state(**before);
  auto ticket = co_await changes_.begin(std::move(e));
  if (!ticket) co_return history_refused(ticket.error());
  auto expected = if_match(ctx.req);
  auto after = co_await store_.rename_partner(id, name, std::move(expected));
  if (!after) {
    co_await changes_.abandon(std::move(*ticket));
    co_return from_store(after.error());
  }
  std::string after_state = partner_state(*after);
  auto recorded = co_await changes_.complete(std::move(*ticket), std::move(after_state));
  (void)recorded;
  co_return partner_response(*after, http::status::ok);
}

net::awaitable<response> partners_resource::remove(request_context& ctx) {
  const std::string& id = ctx.param("id");
  std::string lookup = id;
  auto current = co_await store_.find_partner(std::move(lookup));
  if (!current) co_return from_store(current.error());
  if (!*current) co_return problem(http::status::not_found, "not-found", "no such partner");
  history_entry e;
  e.actor = ctx.admin->login;
  e.action = "partner.delete";
  e.partner_id = id;
  e.summary = "deleted partner " + id + " (" + (*current)->name + ", " +
              std::to_string((*current)->customer_ids.size()) + " customer IDs)";
  e.before_json = partner_state(**current);
  auto ticket = co_await changes_.begin(std::move(e));
  if (!ticket) co_return history_refused(ticket.error());
  std::string target = id;
  auto expected = if_match(ctx.req);
  auto removed = co_await store_.delete_partner(std::move(target), std::move(expected));
  if (!removed) {
    co_await changes_.abandon(std::move(*ticket));
    co_return from_store(removed.error());
  }
  auto recorded = co_await changes_.complete(std::move(*ticket), "null");
  (void)recorded;
  response res{http::status::no_content, 11};
  res.set(http::field::cache_control, "no-store");
  co_return res;
}

net::awaitable<response> partners_resource::change_customer_ids(request_context& ctx) {
  const std::string& id = ctx.param("id");
  auto body = json_object_body(ctx.req);
  if (!body) co_return body.error();
  std::vector<std::string> add, remove;
  std::string error;
  if (!string_list(*body, "add", add, error) || !string_list(*body, "remove", remove, error))
    co_return problem(http::status::unprocessable_entity, "invalid-customer-ids", error);
  if (add.empty() && remove.empty())
    co_return problem(http::status::unprocessable_entity, "nothing-to-change",
                      "name customer IDs to add or remove");
  if (!add.empty() && !true_member(*body, "confirm_unknown")) {
    auto check = add;
    auto unknown = co_await store_.unknown_customer_ids(std::move(check));
    if (!unknown) co_return from_store(unknown.error());
    if (!unknown->empty()) {
      co_return unknown_ids_problem(*unknown,
                                    "no customer carries some of these customer IDs; send "
                                    "confirm_unknown: true to assign them anyway");
    }
  }
  std::string lookup = id;
  auto before = co_await store_.find_partner(std::move(lookup));
  if (!before) co_return from_store(before.error());
  if (!*before) co_return problem(http::status::not_found, "not-found", "no such partner");
  history_entry e;
  e.actor = ctx.admin->login;
  e.action = "partner.customer_ids";
  e.partner_id = id;
  e.before_json = partner_state(**before);
  // The effect is known in advance: IDs already present or absent are skipped.
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  const auto& have = (*before)->customer_ids;
  auto will_add = difference(sorted(add), have);
  auto will_remove = difference(have, difference(have, sorted(remove)));
  e.summary = change_summary(id, will_add, will_remove);
  auto ticket = co_await changes_.begin(std::move(e));
  if (!ticket) co_return history_refused(ticket.error());
  auto expected = if_match(ctx.req);
  auto after = co_await store_.change_customer_ids(id, std::move(add), std::move(remove),
                                                   std::move(expected));
  if (!after) {
    co_await changes_.abandon(std::move(*ticket));
    co_return from_store(after.error());
  }
  auto added = difference(after->customer_ids, (*before)->customer_ids);
  auto removed = difference((*before)->customer_ids, after->customer_ids);
  if (added.empty() && removed.empty()) {
    co_await changes_.abandon(std::move(*ticket));
  } else {
    std::string after_state = partner_state(*after);
    auto recorded = co_await changes_.complete(std::move(*ticket), std::move(after_state));
    (void)recorded;
  }
  auto res = partner_response(*after, http::status::ok);
  co_return res;
}

net::awaitable<response> partners_resource::customer_ids(request_context& ctx) {
  auto params = parameters::from_query(ctx.url, {"prefix", "limit"});
  if (!params) co_return bad_query(params.error().detail);
  auto limit = params->size("limit", 1, 500, 20);
  if (!limit) co_return bad_query(limit.error().detail);
  std::string prefix = params->text("prefix");
  auto ids = co_await store_.distinct_customer_ids(std::move(prefix), *limit);
  if (!ids) co_return from_store(ids.error());
  json::object body;
  body["items"] = to_array(*ids);
  co_return json_response(body);
}

}  // namespace scopegate::gateway::admin_api
