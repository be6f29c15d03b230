// The agent API, /api/v1: one class per resource, each holding only the services it needs.
// Handlers run after the route's authentication (gateway/routes.cpp) has set ctx.who,
// ctx.scope, ctx.access and ctx.contact; they parse, call a decision, and render.
//
//   me.cpp                 GET /api/v1/me
//   customers_read.cpp     GET /api/v1/customers, /customers/{login}, /customer-ids
//   customers_write.cpp    POST /customers, PATCH and DELETE /customers/{login}
//   customers_transfer.cpp GET /customers/export, POST /customers/import
//   reveal.cpp             POST /customers/{login}/reveal
#pragma once

#include <boost/json/value.hpp>

#include "gateway/request_context.hpp"
#include "mapping/customer_source.hpp"
#include "mapping/customer_store.hpp"
#include "mapping/memory_customer_source.hpp"
#include "policy/alert_mailer.hpp"
#include "policy/masking.hpp"
#include "policy/reveal_ledger.hpp"

namespace scopegate::gateway::agent_api {

// A customer record as the API shows it: one key per customers.fields entry, in config
// order, null when absent. (Masking is applied to the record before.)
[[nodiscard]] boost::json::value customer_json(const config::customers_config& c,
                                               const mapping::customer_record& r);
// Today's reveal quota as the API shows it.
[[nodiscard]] boost::json::object reveals_json(const policy::quota& q);

class me_resource {
 public:
  me_resource(const config::config& cfg, const policy::masker& masker,
              policy::reveal_ledger& ledger);
  [[nodiscard]] net::awaitable<response> get(request_context& ctx);

 private:
  const config::config& cfg_;
  const policy::masker& masker_;
  policy::reveal_ledger& ledger_;
};

class customer_reads {
 public:
  customer_reads(const config::config& cfg, mapping::customer_source& customers,
                 const policy::masker& masker);
  [[nodiscard]] net::awaitable<response> search(request_context& ctx);
  [[nodiscard]] net::awaitable<response> get(request_context& ctx);
  [[nodiscard]] net::awaitable<response> customer_ids(request_context& ctx);

 private:
  const config::config& cfg_;
  mapping::customer_source& customers_;
  const policy::masker& masker_;
};

// Customer writes, export and import: each gated by the agent's access mode and kept
// inside the agent's scope. Writes go to LDAP as the service account.
class customer_writes {
 public:
  // `authoritative` answers the lookups before writes (never a possibly stale index);
  // `reads` streams the export; `routing` (may be null) is told of writes.
  customer_writes(const config::config& cfg, mapping::customer_store& store,
                  mapping::customer_source& authoritative, mapping::customer_source& reads,
                  mapping::routing_customer_source* routing, const policy::masker& masker);
  [[nodiscard]] net::awaitable<response> create(request_context& ctx);
  [[nodiscard]] net::awaitable<response> update(request_context& ctx);
  [[nodiscard]] net::awaitable<response> remove(request_context& ctx);
  [[nodiscard]] net::awaitable<response> export_csv(request_context& ctx);
  [[nodiscard]] net::awaitable<response> import_csv(request_context& ctx);

 private:
  void note_write();

  const config::config& cfg_;
  mapping::customer_store& store_;
  mapping::customer_source& authoritative_;
  mapping::customer_source& reads_;
  mapping::routing_customer_source* routing_;
  const policy::masker& masker_;
};

class reveal_resource {
 public:
  // `mailer` may be null (no limit alerts configured).
  reveal_resource(const config::config& cfg, mapping::customer_source& customers,
                  policy::reveal_ledger& ledger, policy::alert_mailer* mailer);
  [[nodiscard]] net::awaitable<response> reveal(request_context& ctx);

 private:
  const config::config& cfg_;
  mapping::customer_source& customers_;
  policy::reveal_ledger& ledger_;
  policy::alert_mailer* mailer_;
};

}  // namespace scopegate::gateway::agent_api
