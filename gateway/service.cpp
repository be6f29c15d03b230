#include "gateway/service.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>

#include "gateway/admin_api/admin_json.hpp"
#include "gateway/admin_api/resources.hpp"
#include "gateway/agent_api/resources.hpp"
#include "gateway/auth/agent_gate.hpp"
#include "gateway/config_reload.hpp"
#include "gateway/dispatcher.hpp"
#include "gateway/http/server.hpp"
#include "gateway/ops/ops_resource.hpp"
#include "gateway/routes.hpp"
#include "gateway/spawn_logged.hpp"
#include "mapping/change_history.hpp"
#include "mapping/change_record.hpp"
#include "mapping/customer_store.hpp"
#include "mapping/directory_index.hpp"
#include "mapping/mapping_store.hpp"
#include "mapping/memory_customer_source.hpp"
#include "mapping/settings_store.hpp"
#include "policy/alert_mailer.hpp"

namespace scopegate::gateway {

namespace {

// Logs failed LDAP connection attempts: a refused service bind as an error naming the bind
// DN (the gateway stays not ready until it succeeds), anything else (a TLS certificate that
// does not verify, StartTLS refused) as an error naming the URI and the problem; each
// distinct problem once, then again only after a minute, so retries do not flood the log.
std::function<void(const ldap::error&)> connect_failure_logger(std::string bind_dn) {
  struct last_logged {
    std::mutex mutex;
    std::string message;
    std::chrono::steady_clock::time_point at;
  };
  auto last = std::make_shared<last_logged>();
  return [last, bind_dn = std::move(bind_dn)](const ldap::error& e) {
    {
      std::lock_guard lock(last->mutex);
      auto now = std::chrono::steady_clock::now();
      if (last->message == e.message && now - last->at < std::chrono::minutes(1)) return;
      last->message = e.message;
      last->at = now;
    }
    if (e.code == ldap::errc::invalid_credentials)
      spdlog::error(
          "LDAP service bind as {} refused: invalid credentials (check ldap.bind_dn and "
          "ldap.bind_password / bind_password_file); not ready until it succeeds",
          bind_dn);
    else
      spdlog::error("LDAP connection failed: {}", e.message);
  };
}

// Groups whose membership policy needs besides the bypass groups: access-mode groups and
// the groups whose members see contact fields unmasked.
std::vector<std::string> groups_of_interest(const config::config& cfg,
                                            const std::vector<config::group_mode>& modes) {
  std::vector<std::string> out;
  for (const auto& g : modes)
    out.push_back(g.group_dn);
  for (const auto& g : cfg.masking.visible_to_groups)
    out.push_back(g);
  return out;
}

std::unique_ptr<policy::alert_mailer> make_mailer(const config::config& cfg,
                                                  policy::reveal_ledger& ledger) {
  if (cfg.reveal.notify_email.empty()) return nullptr;
  return std::make_unique<policy::alert_mailer>(cfg.smtp, cfg.reveal, ledger);
}

// The admin database (change history and runtime settings). Throws on a start-up problem.
std::shared_ptr<mapping::sqlite_database> open_admin_db(const config::config& cfg) {
  auto db = mapping::open_admin_database({.path = cfg.admin.history_database_path});
  if (!db) throw std::runtime_error("admin database: " + db.error().message);
  return *db;
}

// The runtime settings stored by earlier runs, read once at start-up (before serving).
std::map<std::string, std::string> stored_settings(mapping::settings_store& store) {
  net::io_context io;
  std::map<std::string, std::string> out;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        auto all = co_await store.get_all();
        if (all)
          out = std::move(*all);
        else
          spdlog::error("stored settings could not be read: {}", all.error().message);
      },
      log_failure("reading the stored settings"));
  io.run();
  return out;
}

}  // namespace

struct service::parts {
  parts(config::config c, std::shared_ptr<const policy::clock> clk)
      : cfg(std::move(c)),
        threads(cfg.listen.threads > 0
                    ? cfg.listen.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
        io(threads),
        ldap(io.get_executor(), cfg.ldap),
        directory(ldap, cfg),
        index(cfg.customers.index == config::customer_index::memory
                  ? std::make_unique<mapping::directory_index>(cfg)
                  : nullptr),
        access_defaults(cfg.access.group_modes),
        scopes(directory, groups_of_interest(cfg, cfg.access.group_modes)),
        customers(directory, index.get()),
        store(directory),
        auth(directory, cfg.auth, cfg.scope.cache_ttl_seconds),
        mappings(directory, cfg.admin.partner_object_classes),
        sessions(cfg.admin),
        admin_db(open_admin_db(cfg)),
        history(admin_db),
        settings_db(admin_db),
        changes(history,
                [this] {
                  // A mapping changed: agents see it on their next request.
                  scopes.invalidate_after_write();
                  auth.forget_agents();
                }),
        clock(clk ? std::move(clk) : std::make_shared<policy::system_clock>()),
        contacts(cfg),
        masker(cfg),
        ledger(cfg.reveal, clock, policy::time_zone::load(cfg.reveal.timezone)),
        mailer(make_mailer(cfg, ledger)),
        gate(cfg, auth, scopes, access_defaults, contacts),
        ops(ldap, scopes, &customers, index.get(), metrics, cfg.ops.metrics_networks),
        me(cfg, masker, ledger),
        reads(cfg, customers, masker),
        writes(cfg, store, customers.pushdown(), customers, &customers, masker),
        reveal(cfg, customers, ledger, mailer.get()),
        session(cfg, auth, mappings, sessions),
        partners(mappings, changes),
        settings(
            cfg, scopes, access_defaults,
            [this](std::vector<config::group_mode> modes) { apply_group_modes(std::move(modes)); },
            changes),
        agents(cfg, mappings, directory, scopes, access_defaults, changes),
        settings_page(settings),
        explain(cfg, directory, scopes, mappings, customers.pushdown(), access_defaults, contacts),
        history_page(cfg, mappings, directory, changes, settings, agents, ledger),
        mappings_csv(mappings, changes),
        reveals(cfg, directory, ledger, changes),
        front(
            make_routes({&ops, &me, &reads, &writes, &reveal, &assets, &session, &partners, &agents,
                         &settings_page, &explain, &history_page, &mappings_csv, &reveals}),
            gate, sessions, metrics, cfg),
        server(
            io, cfg.listen,
            [this](request& req, const connection_info& conn) { return front.handle(req, conn); }),
        signals(io),
        reload_signals(io),
        running(cfg),
        purge_timer(io) {
    // A runtime setting changed in the dashboard outlives restarts.
    auto stored = stored_settings(settings_db);
    if (auto v = stored.find("fieldworkers_see_all_customers"); v != stored.end())
      scopes.set_fieldworkers_see_all(v->second == "true");
    if (auto v = stored.find("group_modes"); v != stored.end()) {
      std::string error;
      if (auto modes = mapping::parse_group_modes_json(v->second, error))
        apply_group_modes(std::move(*modes));
      else
        spdlog::error("stored access-mode group defaults ignored: {}", error);
    }
  }

  // Group defaults changed in the dashboard: decisions and group memberships follow at once.
  void apply_group_modes(std::vector<config::group_mode> modes) {
    scopes.set_groups_of_interest(groups_of_interest(cfg, modes));
    access_defaults.set_group_modes(std::move(modes));
    auth.forget_agents();
  }

  // Deletes expired ledger rows every reveal.purge_interval_seconds.
  void schedule_purge() {
    purge_timer.expires_after(std::chrono::seconds(cfg.reveal.purge_interval_seconds));
    purge_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || shutting_down) return;
      net::co_spawn(io, purge(), log_failure("deleting expired reveals"));
      schedule_purge();
    });
  }
  net::awaitable<void> purge() {
    auto removed = co_await ledger.purge_expired();
    if (!removed)
      spdlog::error("deleting expired reveals failed: {}", removed.error().message);
    else if (*removed > 0)
      spdlog::info("deleted {} reveal record(s) older than {} days", *removed,
                   cfg.reveal.retention_days);
  }

  config::config cfg;
  int threads;
  net::io_context io;
  ldap::client ldap;
  mapping::directory directory;
  std::unique_ptr<mapping::directory_index> index;  // null with customers.index: ldap
  policy::access_defaults access_defaults;
  mapping::scope_resolver scopes;
  mapping::routing_customer_source customers;
  mapping::customer_store store;
  authenticator auth;
  mapping::mapping_store mappings;
  admin_sessions sessions;
  std::shared_ptr<mapping::sqlite_database> admin_db;
  mapping::sqlite_change_history history;
  mapping::sqlite_settings_store settings_db;
  admin_api::change_log changes;
  gateway::metrics metrics;
  std::shared_ptr<const policy::clock> clock;
  policy::contact_policy contacts;
  policy::masker masker;
  policy::reveal_ledger ledger;
  std::unique_ptr<policy::alert_mailer> mailer;
  agent_gate gate;
  ops::ops_resource ops;
  agent_api::me_resource me;
  agent_api::customer_reads reads;
  agent_api::customer_writes writes;
  agent_api::reveal_resource reveal;
  admin_api::assets assets;
  admin_api::session_resource session;
  admin_api::partners_resource partners;
  admin_api::runtime_settings settings;
  admin_api::agents_resource agents;
  admin_api::settings_resource settings_page;
  admin_api::explain_resource explain;
  admin_api::history_resource history_page;
  admin_api::mappings_csv_resource mappings_csv;
  admin_api::reveals_resource reveals;
  dispatcher front;
  http_server server;
  net::signal_set signals;
  net::signal_set reload_signals;  // SIGHUP
  std::mutex reload_mutex;         // one reload at a time; guards `running`
  config::config running;          // cfg plus what reloads took over
  std::string reload_path;         // the file SIGHUP reads
  net::steady_timer purge_timer;
  std::vector<std::thread> pool;
  std::atomic<bool> shutting_down{false};
};

service::service(config::config cfg, std::shared_ptr<const policy::clock> clock)
    : parts_(std::make_unique<parts>(std::move(cfg), std::move(clock))) {}

service::~service() {
  shutdown();
  for (auto& t : parts_->pool)
    if (t.joinable()) t.join();
}

void service::start() {
  // libldap may write to a socket the server already closed; that must be an error code,
  // not the end of the process.
  std::signal(SIGPIPE, SIG_IGN);
  for (const auto& risk : config::risky_settings(parts_->cfg))
    spdlog::warn("configuration: {}", risk);
  parts_->ldap.on_connect_failure(connect_failure_logger(parts_->cfg.ldap.bind_dn));
  parts_->ldap.start();
  if (auto* index = parts_->index.get()) {
    auto* p = parts_.get();
    p->scopes.use_index(index);
    // A mapping change seen by the sync drops cached scopes and agents at once.
    index->on_mapping_change([p] {
      p->scopes.invalidate_all();
      p->auth.forget_agents();
    });
    index->start();
  }
  parts_->server.start();
  parts_->schedule_purge();
  if (auto warning = plaintext_warning(parts_->cfg); !warning.empty()) spdlog::warn("{}", warning);
  spdlog::info("scopegate {} listening on {}:{} with {} threads; LDAP {}", SCOPEGATE_VERSION,
               parts_->cfg.listen.address, port(), parts_->threads, parts_->cfg.ldap.uris.front());
}

void service::run() {
  for (int i = 1; i < parts_->threads; ++i)
    parts_->pool.emplace_back([this] { parts_->io.run(); });
  parts_->io.run();
  for (auto& t : parts_->pool)
    t.join();
  parts_->pool.clear();
}

void service::run_in_background() {
  for (int i = 0; i < parts_->threads; ++i)
    parts_->pool.emplace_back([this] { parts_->io.run(); });
}

void service::shutdown() {
  if (parts_->shutting_down.exchange(true)) return;
  auto* p = parts_.get();
  net::post(p->io, [p] {
    boost::system::error_code ignored;
    p->signals.cancel(ignored);
    p->reload_signals.cancel(ignored);
    p->purge_timer.cancel();
    spdlog::info("shutting down: draining {} connection(s)", p->server.open_connections());
    p->server.stop([p] {
      spdlog::info("drained; closing LDAP connections");
      if (p->index) p->index->stop();
      p->ldap.stop();
      p->io.stop();
    });
  });
}

void service::handle_signals() {
  parts_->signals.add(SIGINT);
  parts_->signals.add(SIGTERM);
  parts_->signals.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) shutdown();
  });
}

// Configuration reload (SIGHUP). Kept apart from the rest of the wiring: it only touches
// the listener's TLS context and the log level (see gateway/config_reload.hpp).
service::reload_outcome service::reload(const config::config& next) {
  auto* p = parts_.get();
  std::lock_guard lock(p->reload_mutex);
  auto plan = plan_reload(p->running, next);
  reload_outcome out{
      .applied = false, .refusal = {}, .keys = plan.applied, .restart = plan.restart};
  // Everything that can fail comes first; after it, nothing can.
  if (p->running.listen.tls && next.listen.tls) {
    try {
      p->server.reload_tls(*next.listen.tls);
    } catch (const std::exception& e) {
      out.refusal = e.what();
      out.keys.clear();
      spdlog::error("config reload refused, the previous configuration keeps serving: {}",
                    out.refusal);
      return out;
    }
  }
  p->running = after_reload(p->running, next);
  out.applied = true;
  std::string keys;
  for (const auto& k : out.keys)
    keys += (keys.empty() ? "" : ", ") + k;
  // Logged at the old level, before a new one may hide it.
  spdlog::info("config reloaded: applied {}", keys.empty() ? std::string("nothing") : keys);
  if (!out.restart.empty()) {
    std::string restart;
    for (const auto& k : out.restart)
      restart += (restart.empty() ? "" : ", ") + k;
    spdlog::warn("config reload: {} changed but need a restart; not applied", restart);
  }
  spdlog::set_level(spdlog::level::from_str(next.log.level));
  return out;
}

void service::reload_on_sighup(std::string config_path) {
  parts_->reload_path = std::move(config_path);
  parts_->reload_signals.add(SIGHUP);
  await_reload_signal();
}

void service::await_reload_signal() {
  auto* p = parts_.get();
  p->reload_signals.async_wait([this, p](const boost::system::error_code& ec, int) {
    if (ec || p->shutting_down) return;
    spdlog::info("SIGHUP: reloading {}", p->reload_path);
    try {
      auto next = config::load_config(p->reload_path);
      (void)reload(next);
    } catch (const config::config_error& e) {
      spdlog::error("config reload refused, the previous configuration keeps serving: {}",
                    e.what());
    }
    await_reload_signal();
  });
}

std::size_t service::open_connections() const {
  return parts_->server.open_connections();
}

std::uint16_t service::port() const {
  return parts_->server.port();
}
const config::config& service::cfg() const {
  return parts_->cfg;
}
mapping::scope_resolver& service::scopes() {
  return parts_->scopes;
}
policy::reveal_ledger& service::ledger() {
  return parts_->ledger;
}

admin_sessions& service::admin() {
  return parts_->sessions;
}

request_handler service::handler() {
  auto* p = parts_.get();
  return [p](request& req, const connection_info& conn) { return p->front.handle(req, conn); };
}

login_throttle& service::throttle() {
  return parts_->auth.throttle();
}

void service::invalidate_caches() {
  parts_->scopes.invalidate_all();
  parts_->auth.forget_agents();
}

}  // namespace scopegate::gateway
