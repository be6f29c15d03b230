// ldap::sync_watch against a real slapd with syncprov: the refresh delivers every entry,
// persist delivers adds, modifies, renames and deletes as they happen, and a server that
// goes away and comes back leads to a full refresh.
#include <doctest/doctest.h>

#include <map>
#include <mutex>

#include "ldap/sync_watch.hpp"
#include "tests/ldap/harness.hpp"

using namespace scopegate::ldap;
using namespace scopegate::ldap::testing;

namespace {

// What the consumer knows: entryUUID -> DN and cn, rebuilt from scratch on every refresh.
struct mirror {
  std::mutex mutex;
  std::map<std::string, std::pair<std::string, std::string>> entries;
  int refreshes_started = 0;
  int refreshes_done = 0;
  int broken = 0;
  int batches = 0;

  sync_handler handler() {
    sync_handler h;
    h.refresh_started = [this] {
      std::lock_guard lock(mutex);
      entries.clear();
      ++refreshes_started;
    };
    h.changed = [this](sync_change c) {
      std::lock_guard lock(mutex);
      if (c.what == sync_change::kind::remove)
        entries.erase(c.uuid);
      else
        entries[c.uuid] = {c.value.dn, std::string(c.value.first("cn"))};
    };
    h.refresh_done = [this] {
      std::lock_guard lock(mutex);
      ++refreshes_done;
    };
    h.batch_done = [this] {
      std::lock_guard lock(mutex);
      ++batches;
    };
    h.broken = [this](const std::string&) {
      std::lock_guard lock(mutex);
      ++broken;
    };
    return h;
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return entries.size();
  }
  // cn of the entry with this DN, or "" when there is none.
  std::string cn_of(const std::string& dn) {
    std::lock_guard lock(mutex);
    for (const auto& [uuid, e] : entries)
      if (e.first == dn) return e.second;
    return {};
  }
  std::string uuid_of(const std::string& dn) {
    std::lock_guard lock(mutex);
    for (const auto& [uuid, e] : entries)
      if (e.first == dn) return uuid;
    return {};
  }
  int done() {
    std::lock_guard lock(mutex);
    return refreshes_done;
  }
};

sync_search customers_search() {
  sync_search s;
  s.base_dn = "ou=customers,dc=example,dc=com";
  s.filter = "(&(objectClass=inetOrgPerson)(!(description=gone)))";
  s.attributes = {"uid", "cn"};
  return s;
}

const std::string k_dn = "uid=c7,ou=customers,dc=example,dc=com";

}  // namespace

TEST_CASE("sync_watch: refresh, then add, modify, rename and delete as they happen") {
  slapd server(base_ldif() + many_customers(300));
  mirror m;
  sync_watch watch(config_for(server), customers_search(), m.handler());
  CHECK_FALSE(watch.in_sync());
  watch.start();
  REQUIRE(wait_until([&] { return m.done() == 1; }));
  CHECK(watch.in_sync());
  CHECK(m.size() == 300);
  CHECK(m.cn_of(k_dn) == "c7");
  CHECK(watch.stats().refreshes == 1);

  server.modify("dn: " + k_dn + "\nchangetype: modify\nreplace: cn\ncn: Seven\n");
  CHECK(wait_until([&] { return m.cn_of(k_dn) == "Seven"; }, std::chrono::seconds(1)));

  server.modify(
      "dn: uid=new,ou=customers,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\n"
      "uid: new\ncn: New\nsn: x\n");
  CHECK(wait_until([&] { return m.size() == 301; }, std::chrono::seconds(1)));

  // A rename keeps the entryUUID: the consumer sees the same UUID under its new DN.
  auto uuid = m.uuid_of(k_dn);
  REQUIRE(uuid.size() == 32);
  server.modify("dn: " + k_dn + "\nchangetype: modrdn\nnewrdn: uid=c7b\ndeleteoldrdn: 0\n");
  const std::string renamed = "uid=c7b,ou=customers,dc=example,dc=com";
  CHECK(wait_until([&] { return m.uuid_of(renamed) == uuid; }, std::chrono::seconds(1)));
  CHECK(m.size() == 301);

  server.modify("dn: " + renamed + "\nchangetype: delete\n");
  CHECK(wait_until([&] { return m.size() == 300; }, std::chrono::seconds(1)));
  CHECK(m.uuid_of(renamed).empty());

  // An entry that stops matching the filter leaves the content like a delete.
  server.modify(
      "dn: uid=c8,ou=customers,dc=example,dc=com\nchangetype: modify\n"
      "add: description\ndescription: gone\n");
  CHECK(wait_until([&] { return m.size() == 299; }, std::chrono::seconds(1)));
  CHECK_FALSE(watch.cookie().empty());
}

TEST_CASE("sync_watch: a lost server is reported, and a full refresh follows its return") {
  slapd server(base_ldif() + many_customers(50));
  mirror m;
  sync_watch watch(config_for(server), customers_search(), m.handler());
  watch.start();
  REQUIRE(wait_until([&] { return m.done() == 1; }));

  server.stop();
  CHECK(wait_until([&] { return !watch.in_sync(); }, std::chrono::seconds(2)));
  CHECK(wait_until([&] {
    std::lock_guard lock(m.mutex);
    return m.broken >= 1;
  }));
  // Changed while the watch could not see it (slapd is started again with the data kept).
  server.start();
  server.modify("dn: uid=c3,ou=customers,dc=example,dc=com\nchangetype: delete\n");
  CHECK(wait_until([&] { return m.done() == 2 && watch.in_sync(); }));
  CHECK(wait_until([&] { return m.size() == 49; }, std::chrono::seconds(1)));
  {
    std::lock_guard lock(m.mutex);
    CHECK(m.refreshes_started == 2);
  }
  CHECK(watch.stats().failures >= 1);
}

TEST_CASE("sync_watch: stop returns promptly while connected and while reconnecting") {
  slapd server(base_ldif() + many_customers(5));
  mirror m;
  auto cfg = config_for(server);
  {
    sync_watch watch(cfg, customers_search(), m.handler());
    watch.start();
    REQUIRE(wait_until([&] { return m.done() == 1; }));
    auto t0 = std::chrono::steady_clock::now();
    watch.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
    CHECK_FALSE(watch.in_sync());
  }
  server.stop();
  sync_watch watch(cfg, customers_search(), m.handler());
  watch.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it fail and back off
  auto t0 = std::chrono::steady_clock::now();
  watch.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}
