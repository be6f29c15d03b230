#include "ldap/sync_watch.hpp"

#include <lber.h>
#include <ldap.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ldap/detail/connector.hpp"
#include "ldap/detail/entry_reader.hpp"
#include "ldap/detail/handles.hpp"
#include "ldap/session_options.hpp"

namespace scopegate::ldap {
namespace {

using detail::ber_ptr;
using detail::berval_ptr;
using detail::bervarray_ptr;
using detail::controls_ptr;
using detail::hex;
using detail::ldap_handle;
using detail::ldap_string;
using detail::message_ptr;

constexpr int k_poll_ms = 100;  // how often the thread looks at the stop flag

}  // namespace

struct sync_watch::impl {
  impl(config::ldap_config c, sync_search s, sync_handler h)
      : cfg(std::move(c)), search(std::move(s)), handler(std::move(h)) {}

  // --- shared with other threads ---
  const config::ldap_config cfg;
  const sync_search search;
  const sync_handler handler;
  sync_stats stats;
  std::atomic<bool> stopping{false};
  std::atomic<bool> synced{false};
  mutable std::mutex mutex;  // guards cookie_ and the wake-up of backoff sleeps
  std::condition_variable wake;
  std::string cookie_;
  std::thread thread;

  // --- the watch thread only ---
  bool refreshing = false;

  void run() {
    int backoff_ms = 0;
    while (!stopping) {
      std::string why = session();
      synced = false;
      if (stopping) break;
      ++stats.failures;
      if (handler.broken) handler.broken(why);
      // Never below 50 ms: each attempt is a full refresh of the watched subtree.
      backoff_ms = detail::next_backoff_ms(backoff_ms, std::max(50, cfg.reconnect_max_backoff_ms));
      std::unique_lock lock(mutex);
      wake.wait_for(lock, std::chrono::milliseconds(backoff_ms), [&] { return stopping.load(); });
    }
  }

  // One connection: refresh, then persist until it breaks. Returns why it ended. A persist
  // search is silent while nothing changes, which a dropped link also is: after
  // probe_interval_seconds of silence a probe goes out on the same connection, and an
  // unanswered probe ends the session (the consumer hears `broken`, a full refresh follows).
  std::string session() {
    using clock = std::chrono::steady_clock;
    std::string err;
    ldap_handle ld(detail::open_service_connection(cfg, err));
    if (!ld) return "sync connect failed: " + err;
    if (int fd = -1; ldap_get_option(ld.get(), LDAP_OPT_DESC, &fd) == LDAP_OPT_SUCCESS && fd >= 0)
      detail::set_tcp_keepalive(fd, cfg);
    int msgid = -1;
    if (int rc = send_search(ld.get(), &msgid); rc != LDAP_SUCCESS)
      return std::string("sync search not sent: ") + ldap_err2string(rc);
    refreshing = true;
    if (handler.refresh_started) handler.refresh_started();
    const auto probe_interval = std::chrono::seconds(cfg.probe_interval_seconds);
    const auto probe_timeout = std::chrono::milliseconds(cfg.timeout_ms);
    auto last_heard = clock::now();
    auto probe_sent = clock::time_point{};
    int probe_msgid = -1;
    while (!stopping) {
      bool any = false;
      // Drain what is available, then tell the consumer the batch is over.
      for (;;) {
        timeval tv{0, any ? 0 : k_poll_ms * 1000};
        LDAPMessage* raw = nullptr;
        int type = ldap_result(ld.get(), LDAP_RES_ANY, LDAP_MSG_ONE, &tv, &raw);
        message_ptr msg(raw);
        if (type == 0) break;
        if (type < 0) {
          int code = LDAP_SERVER_DOWN;
          ldap_get_option(ld.get(), LDAP_OPT_RESULT_CODE, &code);
          return std::string("sync connection lost: ") + ldap_err2string(code);
        }
        last_heard = clock::now();
        int id = ldap_msgid(msg.get());
        if (id == probe_msgid) {
          if (type == LDAP_RES_SEARCH_RESULT) probe_msgid = -1;
          continue;
        }
        if (id != msgid) continue;
        any = true;
        if (auto ended = on_message(ld.get(), type, msg.get()); !ended.empty()) return ended;
        if (stopping) return "stopped";
      }
      if (any && handler.batch_done) handler.batch_done();
      auto now = clock::now();
      if (probe_msgid >= 0 && now - probe_sent > probe_timeout)
        return "sync connection silent: a probe went unanswered for " +
               std::to_string(cfg.timeout_ms) + " ms";
      if (probe_msgid < 0 && now - last_heard >= probe_interval) {
        if (int rc = send_probe(ld.get(), &probe_msgid); rc != LDAP_SUCCESS)
          return std::string("sync probe not sent: ") + ldap_err2string(rc);
        probe_sent = now;
      }
    }
    return "stopped";
  }

  // A base search of the root DSE for no attributes: every server answers it at once.
  static int send_probe(LDAP* ld, int* msgid) {
    char no_attributes[] = LDAP_NO_ATTRS;
    char* attrs[] = {no_attributes, nullptr};
    return ldap_search_ext(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, nullptr, nullptr,
                           nullptr, 1, msgid);
  }

  int send_search(LDAP* ld, int* msgid) {
    ber_ptr ber(ber_alloc_t(LBER_USE_DER));
    if (!ber) return LDAP_NO_MEMORY;
    // syncRequestValue ::= SEQUENCE { mode ENUMERATED, cookie OCTET STRING OPTIONAL, ... }.
    // No cookie: every (re)connect is a full refresh, so nothing can be missed in between.
    if (ber_printf(ber.get(), "{e}", static_cast<ber_int_t>(LDAP_SYNC_REFRESH_AND_PERSIST)) < 0)
      return LDAP_ENCODING_ERROR;
    berval value{};
    if (ber_flatten2(ber.get(), &value, 0) < 0) return LDAP_ENCODING_ERROR;
    LDAPControl control{};
    control.ldctl_oid = const_cast<char*>(LDAP_CONTROL_SYNC);
    control.ldctl_value = value;
    control.ldctl_iscritical = 1;
    LDAPControl* controls[] = {&control, nullptr};
    std::vector<char*> attrs;
    for (const auto& a : search.attributes)
      attrs.push_back(const_cast<char*>(a.c_str()));
    attrs.push_back(nullptr);
    return ldap_search_ext(ld, search.base_dn.c_str(), detail::to_ldap_scope(search.scope),
                           search.filter.c_str(),
                           search.attributes.empty() ? nullptr : attrs.data(), 0, controls, nullptr,
                           nullptr, 0, msgid);
  }

  // Handles one message; returns a reason when the search is over.
  std::string on_message(LDAP* ld, int type, LDAPMessage* msg) {
    switch (type) {
      case LDAP_RES_SEARCH_ENTRY:
        on_entry(ld, msg);
        return {};
      case LDAP_RES_INTERMEDIATE:
        on_intermediate(ld, msg);
        return {};
      case LDAP_RES_SEARCH_REFERENCE:
        return {};
      case LDAP_RES_SEARCH_RESULT: {
        int code = LDAP_OTHER;
        ldap_parse_result(ld, msg, &code, nullptr, nullptr, nullptr, nullptr, 0);
        // In refreshAndPersist the search only ends when the server gives up on it (for
        // example e-syncRefreshRequired, or a refused control): start over.
        return std::string("sync search ended by the server: ") + ldap_err2string(code);
      }
      default:
        return {};
    }
  }

  void set_cookie(const berval& bv) {
    std::lock_guard lock(mutex);
    cookie_.assign(bv.bv_val ? bv.bv_val : "", bv.bv_len);
  }

  void on_entry(LDAP* ld, LDAPMessage* msg) {
    LDAPControl** raw = nullptr;
    if (ldap_get_entry_controls(ld, msg, &raw) != LDAP_SUCCESS) return;
    controls_ptr controls(raw);
    LDAPControl* state_control =
        controls ? ldap_control_find(LDAP_CONTROL_SYNC_STATE, controls.get(), nullptr) : nullptr;
    if (!state_control) return;  // not a sync entry: ignore
    ber_ptr ber(ber_init(&state_control->ldctl_value));
    if (!ber) return;
    ber_int_t state = 0;
    berval uuid{};
    if (ber_scanf(ber.get(), "{em", &state, &uuid) == LBER_ERROR) return;
    ber_len_t len = 0;
    if (ber_peek_tag(ber.get(), &len) == LDAP_TAG_SYNC_COOKIE) {
      berval cookie{};
      if (ber_scanf(ber.get(), "m", &cookie) != LBER_ERROR) set_cookie(cookie);
    }
    sync_change change;
    change.uuid = hex(uuid);
    switch (state) {
      case LDAP_SYNC_ADD:
      case LDAP_SYNC_MODIFY:
        change.what = sync_change::kind::upsert;
        change.value = detail::read_entry(ld, msg);
        break;
      case LDAP_SYNC_DELETE:
        change.what = sync_change::kind::remove;
        break;
      default:  // present: only sent for a refresh with a cookie, which this client never asks
        return;
    }
    ++stats.changes;
    if (handler.changed) handler.changed(std::move(change));
  }

  void remove_all(BerVarray uuids) {
    if (!uuids) return;
    for (BerVarray u = uuids; u->bv_val; ++u) {
      sync_change change;
      change.what = sync_change::kind::remove;
      change.uuid = hex(*u);
      ++stats.changes;
      if (handler.changed) handler.changed(std::move(change));
    }
  }

  void on_intermediate(LDAP* ld, LDAPMessage* msg) {
    char* oid_raw = nullptr;
    berval* data_raw = nullptr;
    if (ldap_parse_intermediate(ld, msg, &oid_raw, &data_raw, nullptr, 0) != LDAP_SUCCESS) return;
    ldap_string oid(oid_raw);
    berval_ptr data(data_raw);
    if (!oid || std::string_view(oid.get()) != LDAP_SYNC_INFO || !data) return;
    ber_ptr ber(ber_init(data.get()));
    if (!ber) return;
    ber_len_t len = 0;
    berval cookie{};
    switch (ber_peek_tag(ber.get(), &len)) {
      case LDAP_TAG_SYNC_NEW_COOKIE:
        if (ber_scanf(ber.get(), "m", &cookie) != LBER_ERROR) set_cookie(cookie);
        return;
      case LDAP_TAG_SYNC_REFRESH_DELETE:
      case LDAP_TAG_SYNC_REFRESH_PRESENT: {
        if (ber_scanf(ber.get(), "{") == LBER_ERROR) return;
        if (ber_peek_tag(ber.get(), &len) == LDAP_TAG_SYNC_COOKIE &&
            ber_scanf(ber.get(), "m", &cookie) != LBER_ERROR)
          set_cookie(cookie);
        ber_int_t done = 1;  // refreshDone BOOLEAN DEFAULT TRUE
        if (ber_peek_tag(ber.get(), &len) == LDAP_TAG_REFRESHDONE) ber_scanf(ber.get(), "b", &done);
        if (done && refreshing) {
          refreshing = false;
          synced = true;
          ++stats.refreshes;
          if (handler.refresh_done) handler.refresh_done();
        }
        return;
      }
      case LDAP_TAG_SYNC_ID_SET: {
        if (ber_scanf(ber.get(), "{") == LBER_ERROR) return;
        if (ber_peek_tag(ber.get(), &len) == LDAP_TAG_SYNC_COOKIE &&
            ber_scanf(ber.get(), "m", &cookie) != LBER_ERROR)
          set_cookie(cookie);
        ber_int_t deletes = 0;
        if (ber_peek_tag(ber.get(), &len) == LDAP_TAG_REFRESHDELETES)
          ber_scanf(ber.get(), "b", &deletes);
        BerVarray uuids = nullptr;
        if (ber_scanf(ber.get(), "[W]", &uuids) == LBER_ERROR) return;
        bervarray_ptr owned(uuids);
        // Without refreshDeletes the set lists present entries, which only a refresh with a
        // cookie produces; this client always starts from scratch.
        if (deletes) remove_all(uuids);
        return;
      }
      default:
        return;
    }
  }
};

sync_watch::sync_watch(config::ldap_config cfg, sync_search search, sync_handler handler)
    : impl_(std::make_unique<impl>(std::move(cfg), std::move(search), std::move(handler))) {}

sync_watch::~sync_watch() {
  stop();
}

void sync_watch::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->thread.joinable() || impl_->stopping) return;
  impl_->thread = std::thread([i = impl_.get()] { i->run(); });
}

void sync_watch::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable() && impl_->thread.get_id() != std::this_thread::get_id())
    impl_->thread.join();
}

bool sync_watch::in_sync() const {
  return impl_->synced.load();
}

std::string sync_watch::cookie() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->cookie_;
}

const sync_stats& sync_watch::stats() const {
  return impl_->stats;
}

}  // namespace scopegate::ldap
