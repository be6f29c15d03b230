// The client facade: pools of connections (searches and writes on one, password checks on
// the other), the least-loaded pick, and the translation of libldap outcomes into
// ldap::error. The pieces live in detail/: connection (one libldap connection), connector
// (setup thread, reconnects), paging (RFC 2696), handles and entry_reader.
#include "ldap/client.hpp"

#include <ldap.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <climits>
#include <functional>
#include <utility>

#include "ldap/ascii.hpp"
#include "ldap/detail/connection.hpp"
#include "ldap/detail/connector.hpp"
#include "ldap/detail/handles.hpp"
#include "ldap/detail/paging.hpp"
#include "ldap/detail/result_codes.hpp"

namespace scopegate::ldap {

const std::vector<std::string>* entry::values(std::string_view name) const {
  for (const auto& a : attributes)
    if (ascii_iequals(a.name, name)) return &a.values;
  return nullptr;
}

std::string_view entry::first(std::string_view name) const {
  const auto* v = values(name);
  return v && !v->empty() ? std::string_view(v->front()) : std::string_view();
}

namespace {

using detail::connection;
using detail::load_guard;
using detail::operation;
using detail::outcome;

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

int to_mod_op(modification::kind k) {
  switch (k) {
    case modification::kind::add:
      return LDAP_MOD_ADD;
    case modification::kind::remove:
      return LDAP_MOD_DELETE;
    case modification::kind::replace:
      break;
  }
  return LDAP_MOD_REPLACE;
}

// LDAPMod arrays pointing into caller-owned strings; valid while the inputs live.
class mod_array {
 public:
  mod_array(const std::vector<std::pair<int, const std::string*>>& heads,
            const std::vector<const std::vector<std::string>*>& values) {
    vals_.resize(heads.size());
    ptrs_.resize(heads.size());
    mods_.resize(heads.size());
    for (std::size_t i = 0; i < heads.size(); ++i) {
      for (const auto& v : *values[i])
        vals_[i].push_back(detail::as_berval(v));
      for (auto& b : vals_[i])
        ptrs_[i].push_back(&b);
      ptrs_[i].push_back(nullptr);
      mods_[i].mod_op = heads[i].first | LDAP_MOD_BVALUES;
      mods_[i].mod_type = const_cast<char*>(heads[i].second->c_str());
      mods_[i].mod_bvalues = vals_[i].empty() ? nullptr : ptrs_[i].data();
      list_.push_back(&mods_[i]);
    }
    list_.push_back(nullptr);
  }
  LDAPMod** get() { return list_.data(); }

 private:
  std::vector<std::vector<berval>> vals_;
  std::vector<std::vector<berval*>> ptrs_;
  std::vector<LDAPMod> mods_;
  std::vector<LDAPMod*> list_;
};

// The server control list of a write: empty, or one critical RFC 4528 assertion control.
// Lives for one send; the encoded filter is freed with it.
class assertion_control {
 public:
  assertion_control() = default;
  assertion_control(const assertion_control&) = delete;
  assertion_control& operator=(const assertion_control&) = delete;
  ~assertion_control() {
    if (value_.bv_val) ber_memfree(value_.bv_val);
  }
  // Encodes `filter` (nothing to do when empty). LDAP_SUCCESS or libldap's error code.
  int build(LDAP* ld, const std::string& filter) {
    if (filter.empty()) return LDAP_SUCCESS;
    int rc = ldap_create_assertion_control_value(ld, const_cast<char*>(filter.c_str()), &value_);
    if (rc != LDAP_SUCCESS) return rc;
    control_.ldctl_oid = const_cast<char*>(LDAP_CONTROL_ASSERT);
    control_.ldctl_value = value_;
    control_.ldctl_iscritical = 1;  // a server that cannot check it must refuse the write
    list_[0] = &control_;
    return LDAP_SUCCESS;
  }
  // nullptr when there is no control.
  LDAPControl** list() { return list_[0] ? list_ : nullptr; }

 private:
  berval value_{0, nullptr};
  LDAPControl control_{};
  LDAPControl* list_[2] = {nullptr, nullptr};
};

error nul_error(const char* what) {
  return error{errc::invalid_request, std::string("NUL byte in ") + what};
}

error no_connection() {
  return error{errc::unavailable, detail::k_no_connection};
}

}  // namespace

struct client::impl {
  impl(const net::any_io_executor& executor, config::ldap_config cfg)
      : state(std::make_shared<detail::shared_state>(std::move(cfg))),
        setup(std::make_shared<detail::connector>()) {
    for (int i = 0; i < state->cfg.pool_size; ++i)
      search_pool.push_back(std::make_shared<connection>(executor, state, setup, false));
    for (int i = 0; i < state->cfg.bind_pool_size; ++i)
      bind_pool.push_back(std::make_shared<connection>(executor, state, setup, true));
  }

  // The connected connection with the fewest operations in progress, or null.
  static std::shared_ptr<connection> pick(const std::vector<std::shared_ptr<connection>>& pool) {
    std::shared_ptr<connection> best;
    int best_load = INT_MAX;
    for (const auto& c : pool) {
      int load = c->load().load(std::memory_order_relaxed);
      if (c->up() && load < best_load) {
        best = c;
        best_load = load;
      }
    }
    return best;
  }

  // A connection to the current write provider; when none is up, the least loaded
  // connection's server becomes the write provider.
  std::shared_ptr<connection> pick_writer() {
    int provider = state->write_provider.load();
    std::shared_ptr<connection> best;
    int best_load = INT_MAX;
    for (const auto& c : search_pool) {
      int load = c->load().load(std::memory_order_relaxed);
      if (c->up() && c->server() == provider && load < best_load) {
        best = c;
        best_load = load;
      }
    }
    if (best) return best;
    best = pick(search_pool);
    if (best) state->write_provider.compare_exchange_strong(provider, best->server());
    return best;
  }

  net::awaitable<result<void>> write(std::function<int(LDAP*, int*)> send) {
    ++state->stats.modifies;
    auto conn = pick_writer();
    if (!conn) {
      ++state->stats.errors;
      co_return no_connection();
    }
    load_guard guard(conn->load());
    auto op = std::make_shared<operation>(conn->strand());
    op->send = std::move(send);
    outcome out = co_await detail::run(conn, op);
    if (out.code != LDAP_SUCCESS) {
      ++state->stats.errors;
      auto failed = detail::to_error(out.code, out.message);
      // The provider failed: the next write chooses again (sticky until it fails).
      if (failed.unavailable()) {
        int provider = conn->server();
        state->write_provider.compare_exchange_strong(provider, -1);
      }
      co_return failed;
    }
    co_return result<void>{};
  }

  std::shared_ptr<detail::shared_state> state;
  std::shared_ptr<detail::connector> setup;
  std::vector<std::shared_ptr<connection>> search_pool;
  std::vector<std::shared_ptr<connection>> bind_pool;
  std::atomic<bool> started{false};
};

client::client(net::any_io_executor executor, config::ldap_config cfg)
    : impl_(std::make_shared<impl>(executor, std::move(cfg))) {}

client::~client() {
  stop();
}

void client::on_connect_failure(std::function<void(const error&)> report) {
  impl_->state->on_connect_failure = std::move(report);
}

void client::start() {
  if (impl_->state->stopped || impl_->started.exchange(true)) return;
  impl_->setup->launch();
  for (auto* pool : {&impl_->search_pool, &impl_->bind_pool})
    for (const auto& c : *pool)
      net::post(c->strand(), [c] { c->connect_after(0); });
}

void client::stop() {
  if (impl_->state->stopped.exchange(true)) return;
  impl_->setup->shutdown();
  for (auto* pool : {&impl_->search_pool, &impl_->bind_pool})
    for (const auto& c : *pool) {
      c->mark_down();
      net::post(c->strand(), [c] { c->shutdown(); });
    }
}

bool client::ready() const {
  // Ready means able to serve an agent: a search connection and, to verify passwords, a
  // bind connection (they reconnect independently after an outage).
  auto any_up = [](const auto& pool) {
    return std::any_of(pool.begin(), pool.end(), [](const auto& c) { return c->up(); });
  };
  return any_up(impl_->search_pool) && (impl_->bind_pool.empty() || any_up(impl_->bind_pool));
}

const client_stats& client::stats() const {
  return impl_->state->stats;
}

std::size_t client::outstanding() const {
  return impl_->state->outstanding.load();
}

net::awaitable<result<std::vector<entry>>> client::search(search_request request) {
  auto self = impl_;
  auto& stats = self->state->stats;
  ++stats.searches;
  if (has_nul(request.base_dn) || has_nul(request.filter) ||
      std::any_of(request.attributes.begin(), request.attributes.end(),
                  [](const std::string& a) { return has_nul(a); })) {
    ++stats.errors;
    co_return nul_error("search request");
  }
  auto conn = impl::pick(self->search_pool);
  if (!conn) {
    ++stats.errors;
    co_return no_connection();
  }
  load_guard guard(conn->load());
  const int page_size = self->state->cfg.page_size;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(self->state->cfg.timeout_ms);
  outcome out = co_await detail::paged_search(conn, std::move(request), page_size, deadline);
  if (out.code != LDAP_SUCCESS) {
    ++stats.errors;
    co_return detail::to_error(out.code, out.message);
  }
  co_return std::move(out.entries);
}

net::awaitable<result<void>> client::modify(std::string dn, std::vector<modification> changes,
                                            std::string assertion) {
  if (has_nul(dn)) co_return nul_error("DN");
  if (has_nul(assertion)) co_return nul_error("assertion filter");
  auto self = impl_;
  struct request_data {
    std::string dn;
    std::vector<modification> changes;
    std::string assertion;
  };
  auto data = std::make_shared<const request_data>(
      request_data{std::move(dn), std::move(changes), std::move(assertion)});
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  std::function<int(LDAP*, int*)> send = [data](LDAP* ld, int* msgid) {
    std::vector<std::pair<int, const std::string*>> heads;
    std::vector<const std::vector<std::string>*> values;
    for (const auto& m : data->changes) {
      heads.emplace_back(to_mod_op(m.op), &m.attribute);
      values.push_back(&m.values);
    }
    mod_array mods(heads, values);
    assertion_control control;
    if (int rc = control.build(ld, data->assertion); rc != LDAP_SUCCESS) return rc;
    return ldap_modify_ext(ld, data->dn.c_str(), mods.get(), control.list(), nullptr, msgid);
  };
  co_return co_await self->write(std::move(send));
}

net::awaitable<result<void>> client::add(std::string dn, std::vector<attribute> attributes) {
  if (has_nul(dn)) co_return nul_error("DN");
  auto self = impl_;
  auto data = std::make_shared<const std::pair<std::string, std::vector<attribute>>>(
      std::move(dn), std::move(attributes));
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  std::function<int(LDAP*, int*)> send = [data](LDAP* ld, int* msgid) {
    std::vector<std::pair<int, const std::string*>> heads;
    std::vector<const std::vector<std::string>*> values;
    for (const auto& a : data->second) {
      heads.emplace_back(LDAP_MOD_ADD, &a.name);
      values.push_back(&a.values);
    }
    mod_array mods(heads, values);
    return ldap_add_ext(ld, data->first.c_str(), mods.get(), nullptr, nullptr, msgid);
  };
  co_return co_await self->write(std::move(send));
}

net::awaitable<result<void>> client::remove(std::string dn, std::string assertion) {
  if (has_nul(dn)) co_return nul_error("DN");
  if (has_nul(assertion)) co_return nul_error("assertion filter");
  auto self = impl_;
  auto target = std::make_shared<const std::pair<std::string, std::string>>(std::move(dn),
                                                                            std::move(assertion));
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  std::function<int(LDAP*, int*)> send = [target](LDAP* ld, int* msgid) {
    assertion_control control;
    if (int rc = control.build(ld, target->second); rc != LDAP_SUCCESS) return rc;
    return ldap_delete_ext(ld, target->first.c_str(), control.list(), nullptr, msgid);
  };
  co_return co_await self->write(std::move(send));
}

net::awaitable<result<bool>> client::check_password(std::string dn, std::string password) {
  // An empty password would be an unauthenticated bind (RFC 4513 5.1.2), which succeeds.
  if (dn.empty() || password.empty() || has_nul(dn) || has_nul(password))
    co_return result<bool>(boost::system::in_place_value, false);
  auto self = impl_;
  auto& stats = self->state->stats;
  ++stats.binds;
  auto conn = impl::pick(self->bind_pool);
  if (!conn) {
    ++stats.errors;
    co_return no_connection();
  }
  load_guard guard(conn->load());
  auto creds = std::make_shared<const std::pair<std::string, std::string>>(std::move(dn),
                                                                           std::move(password));
  auto op = std::make_shared<operation>(conn->strand());
  op->send = [creds](LDAP* ld, int* msgid) {
    berval cred = detail::as_berval(creds->second);
    return ldap_sasl_bind(ld, creds->first.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr,
                          msgid);
  };
  outcome out = co_await detail::run(conn, op);
  if (out.code == LDAP_SUCCESS) co_return result<bool>(boost::system::in_place_value, true);
  if (out.code == LDAP_INVALID_CREDENTIALS)
    co_return result<bool>(boost::system::in_place_value, false);
  ++stats.errors;
  co_return detail::to_error(out.code, out.message);
}

}  // namespace scopegate::ldap
