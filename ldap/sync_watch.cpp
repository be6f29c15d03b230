#include "ldap/sync_watch.hpp"

#include <lber.h>
#include <ldap.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ldap/session_options.hpp"

namespace scopegate::ldap {
namespace {

struct ldap_unbinder {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct message_deleter {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
struct ber_deleter {
  void operator()(BerElement* b) const { ber_free(b, 1); }
};
struct ber_deleter_keep_buffer {
  void operator()(BerElement* b) const { ber_free(b, 0); }
};
struct memfree_deleter {
  void operator()(char* p) const { ldap_memfree(p); }
};
struct values_deleter {
  void operator()(berval** v) const { ldap_value_free_len(v); }
};
struct controls_deleter {
  void operator()(LDAPControl** c) const { ldap_controls_free(c); }
};
struct berval_deleter {
  void operator()(berval* b) const { ber_bvfree(b); }
};
struct bervarray_deleter {
  void operator()(BerVarray a) const { ber_bvarray_free(a); }
};

using ldap_handle = std::unique_ptr<LDAP, ldap_unbinder>;
using message_ptr = std::unique_ptr<LDAPMessage, message_deleter>;
using ldap_string = std::unique_ptr<char, memfree_deleter>;
using values_ptr = std::unique_ptr<berval*, values_deleter>;
using controls_ptr = std::unique_ptr<LDAPControl*, controls_deleter>;
using berval_ptr = std::unique_ptr<berval, berval_deleter>;

constexpr int k_poll_ms = 100;  // how often the thread looks at the stop flag

std::string hex(const berval& bv) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bv.bv_len * 2);
  for (ber_len_t i = 0; i < bv.bv_len; ++i) {
    auto b = static_cast<unsigned char>(bv.bv_val[i]);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

int to_ldap_scope(search_scope s) {
  switch (s) {
    case search_scope::base:
      return LDAP_SCOPE_BASE;
    case search_scope::one_level:
      return LDAP_SCOPE_ONELEVEL;
    case search_scope::subtree:
      break;
  }
  return LDAP_SCOPE_SUBTREE;
}

entry parse_entry(LDAP* ld, LDAPMessage* msg) {
  entry e;
  if (ldap_string dn{ldap_get_dn(ld, msg)}) e.dn = dn.get();
  BerElement* ber_raw = nullptr;
  ldap_string name{ldap_first_attribute(ld, msg, &ber_raw)};
  std::unique_ptr<BerElement, ber_deleter_keep_buffer> ber(ber_raw);
  while (name) {
    attribute a{name.get(), {}};
    if (values_ptr values{ldap_get_values_len(ld, msg, name.get())})
      for (berval** v = values.get(); *v; ++v)
        a.values.emplace_back((*v)->bv_val, (*v)->bv_len);
    e.attributes.push_back(std::move(a));
    name.reset(ldap_next_attribute(ld, msg, ber.get()));
  }
  return e;
}

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
      int max_backoff = std::max(50, cfg.reconnect_max_backoff_ms);
      backoff_ms = std::min(max_backoff, backoff_ms == 0 ? 50 : backoff_ms * 2);
      std::unique_lock lock(mutex);
      wake.wait_for(lock, std::chrono::milliseconds(backoff_ms), [&] { return stopping.load(); });
    }
  }

  // One connection: refresh, then persist until it breaks. Returns why it ended.
  std::string session() {
    std::string err;
    ldap_handle ld(detail::open_service_connection(cfg, err));
    if (!ld) return "sync connect failed: " + err;
    int msgid = -1;
    if (int rc = send_search(ld.get(), &msgid); rc != LDAP_SUCCESS)
      return std::string("sync search not sent: ") + ldap_err2string(rc);
    refreshing = true;
    if (handler.refresh_started) handler.refresh_started();
    while (!stopping) {
      bool any = false;
      // Drain what is available, then tell the consumer the batch is over.
      for (;;) {
        timeval tv{0, any ? 0 : k_poll_ms * 1000};
        LDAPMessage* raw = nullptr;
        int type = ldap_result(ld.get(), msgid, LDAP_MSG_ONE, &tv, &raw);
        message_ptr msg(raw);
        if (type == 0) break;
        if (type < 0) {
          int code = LDAP_SERVER_DOWN;
          ldap_get_option(ld.get(), LDAP_OPT_RESULT_CODE, &code);
          return std::string("sync connection lost: ") + ldap_err2string(code);
        }
        any = true;
        if (auto ended = on_message(ld.get(), type, msg.get()); !ended.empty()) return ended;
        if (stopping) return "stopped";
      }
      if (any && handler.batch_done) handler.batch_done();
    }
    return "stopped";
  }

  int send_search(LDAP* ld, int* msgid) {
    std::unique_ptr<BerElement, ber_deleter> ber(ber_alloc_t(LBER_USE_DER));
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
    return ldap_search_ext(ld, search.base_dn.c_str(), to_ldap_scope(search.scope),
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
    std::unique_ptr<BerElement, ber_deleter> ber(ber_init(&state_control->ldctl_value));
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
        change.value = parse_entry(ld, msg);
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
    std::unique_ptr<BerElement, ber_deleter> ber(ber_init(data.get()));
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
        std::unique_ptr<berval, bervarray_deleter> owned(uuids);
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
