// Partner writes against a real slapd: a write computed from a version that another write
// overtook is refused by the directory itself (RFC 4528 assertion on entryCSN), so two
// admins holding the same version never both succeed and no change is lost.
#include <doctest/doctest.h>

#include "mapping/mapping_store.hpp"
#include "tests/ldap/harness.hpp"

using namespace scopegate;
using namespace scopegate::mapping;
using scopegate::ldap::testing::io_harness;
using scopegate::ldap::testing::wait_until;
using scopegate::testing::base_ldif;
using scopegate::testing::slapd;

namespace {

const std::string k_partner_dn = "scopegatePartnerId=p-w,ou=partners,dc=example,dc=com";

std::string partner_ldif() {
  return base_ldif() + "dn: " + k_partner_dn +
         "\nobjectClass: scopegatePartner\nscopegatePartnerId: p-w\ncn: Partner W\n"
         "scopegateCustomerId: C1\n\n";
}

config::config store_config(const slapd& server) {
  config::config cfg;
  cfg.ldap = scopegate::ldap::testing::config_for(server);
  cfg.agents.base_dn = "ou=people,dc=example,dc=com";
  cfg.agents.partner_attribute = "scopegatePartnerId";
  cfg.partners.base_dn = "ou=partners,dc=example,dc=com";
  cfg.customers.base_dn = "ou=customers,dc=example,dc=com";
  return cfg;
}

// Another admin (or an LDAP tool) writing the entry directly.
void add_directly(const slapd& server, const std::string& id) {
  server.modify("dn: " + k_partner_dn + "\nchangetype: modify\nadd: scopegateCustomerId\n" +
                "scopegateCustomerId: " + id + "\n-\n");
}

struct fixture {
  slapd server{partner_ldif()};
  config::config cfg = store_config(server);
  io_harness h;
  scopegate::ldap::client ldap{h.executor(), cfg.ldap};
  directory dir{ldap, cfg};
  mapping_store store{dir, {"scopegatePartner"}};
  fixture() {
    ldap.start();
    REQUIRE(wait_until([&] { return ldap.ready(); }));
  }
  partner_record read() {
    auto r = h.await(store.find_partner("p-w"));
    REQUIRE(r.has_value());
    REQUIRE(r->has_value());
    return **r;
  }
};

}  // namespace

TEST_CASE("a write computed from a version another write overtook is refused; nothing is lost") {
  fixture f;
  auto seen = f.read();          // admin A loads the partner
  add_directly(f.server, "C7");  // admin B's change lands first
  auto stale = f.h.await(f.store.change_customer_ids_of(seen, {"C8"}, {"C1"}));
  REQUIRE(!stale.has_value());
  CHECK(stale.error().code == store_errc::conflict);
  auto now = f.read();
  CHECK(now.customer_ids == std::vector<std::string>{"C1", "C7"});  // B's change, none of A's
  CHECK(now.version != seen.version);
  // From the current version the same change applies.
  auto fresh = f.h.await(f.store.change_customer_ids_of(now, {"C8"}, {"C1"}));
  REQUIRE(fresh.has_value());
  CHECK(fresh->customer_ids == std::vector<std::string>{"C7", "C8"});
}

TEST_CASE("If-Match: a stale version is a conflict; without one the write re-reads") {
  fixture f;
  auto seen = f.read();
  add_directly(f.server, "C7");
  auto stale = f.h.await(f.store.change_customer_ids("p-w", {"C8"}, {}, seen.version));
  REQUIRE(!stale.has_value());
  CHECK(stale.error().code == store_errc::conflict);
  auto renamed = f.h.await(f.store.rename_partner("p-w", "New", seen.version));
  REQUIRE(!renamed.has_value());
  CHECK(renamed.error().code == store_errc::conflict);
  auto deleted = f.h.await(f.store.delete_partner("p-w", seen.version));
  REQUIRE(!deleted.has_value());
  CHECK(deleted.error().code == store_errc::conflict);
  CHECK(f.read().customer_ids == std::vector<std::string>{"C1", "C7"});
  auto unconditional = f.h.await(f.store.change_customer_ids("p-w", {"C8"}, {}, ""));
  REQUIRE(unconditional.has_value());
  CHECK(unconditional->customer_ids == std::vector<std::string>{"C1", "C7", "C8"});
}

TEST_CASE("directory refusals of a write are typed, not 'unavailable'") {
  fixture f;
  // scopegatePartner does not allow mail: the directory refuses the value (schema), which
  // is the client's to fix (422), not an outage (503).
  f.cfg.partners.name_attribute = "mail";
  auto bad = f.h.await(f.store.rename_partner("p-w", "x@example.com", ""));
  REQUIRE(!bad.has_value());
  CHECK(bad.error().code == store_errc::invalid);
  CHECK(bad.error().message.find("(LDAP") == std::string::npos);  // no directory text
  auto missing = f.h.await(f.store.change_customer_ids("nope", {"C1"}, {}, ""));
  REQUIRE(!missing.has_value());
  CHECK(missing.error().code == store_errc::not_found);
}
