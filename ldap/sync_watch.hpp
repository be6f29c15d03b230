// An RFC 4533 content-synchronization client (refreshAndPersist) for one search: delivers
// every entry in scope, then every later add, modify (including renames: same entryUUID,
// new DN) and delete, to callbacks. Needs the syncprov overlay on the server.
//
//   ldap::sync_watch watch(cfg.ldap, {.base_dn = base, .filter = "(objectClass=person)",
//                                     .attributes = attrs},
//                          {.refresh_started = [&] { staging.clear(); },
//                           .changed = [&](ldap::sync_change c) { staging.apply(c); },
//                           .refresh_done = [&] { publish(); },
//                           .batch_done = [&] { publish_if_dirty(); },
//                           .broken = [&](const std::string& why) { mark_stale(why); }});
//   watch.start();
//
// The watch runs on its own thread with its own connection, so a full refresh of a large
// subtree never occupies a thread that serves requests. When the connection breaks (or the
// server ends the search) it reconnects with backoff and starts again with a full refresh;
// the consumer forgets what it was told before on `refresh_started`. The latest sync cookie
// is kept for diagnostics. Knows nothing about partners or customers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "ldap/client.hpp"

namespace scopegate::ldap {

struct sync_search {
  std::string base_dn;
  search_scope scope = search_scope::subtree;
  std::string filter = "(objectClass=*)";
  std::vector<std::string> attributes;  // empty: all user attributes
};

struct sync_change {
  enum class kind { upsert, remove };
  kind what = kind::upsert;
  std::string uuid;  // entryUUID as 32 lowercase hex digits
  entry value;       // upsert: the entry as it is now (DN and requested attributes)
};

// Every callback runs on the watch's thread, one at a time; none may block for long.
struct sync_handler {
  std::function<void()> refresh_started;           // a full refresh begins: forget everything
  std::function<void(sync_change)> changed;        // one entry added, modified or deleted
  std::function<void()> refresh_done;              // the content is complete and current
  std::function<void()> batch_done;                // no further message is waiting right now
  std::function<void(const std::string&)> broken;  // connection lost; a full refresh follows
};

struct sync_stats {
  std::atomic<std::uint64_t> refreshes{0};  // full refreshes completed
  std::atomic<std::uint64_t> changes{0};    // changes delivered (refresh and persist)
  std::atomic<std::uint64_t> failures{0};   // connection failures and ended searches
};

class sync_watch {
 public:
  // Does no I/O until start().
  sync_watch(config::ldap_config cfg, sync_search search, sync_handler handler);
  // Stops and joins the thread.
  ~sync_watch();
  sync_watch(const sync_watch&) = delete;
  sync_watch& operator=(const sync_watch&) = delete;

  void start();
  // Idempotent; returns within about a tenth of a second plus any connect in progress.
  void stop();

  // The refresh completed and the connection is still up (changes arrive as they happen).
  [[nodiscard]] bool in_sync() const;
  // The last cookie the server sent (opaque bytes; empty before the first).
  [[nodiscard]] std::string cookie() const;
  [[nodiscard]] const sync_stats& stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace scopegate::ldap
