// Runtime settings against real SQLite: get/set/get_all kept across restarts, and a setting
// changed together with its history entry in one transaction (both or neither).
#include <doctest/doctest.h>

#include "mapping/settings_store.hpp"
#include "tests/mapping/store_test_support.hpp"

using namespace scopegate;
using namespace scopegate::mapping;
using scopegate::test::temp_dir;
using scopegate::test::wait;

namespace {

struct fixture {
  std::shared_ptr<sqlite_database> db;
  std::unique_ptr<sqlite_settings_store> settings;
  std::unique_ptr<sqlite_change_history> history;
  explicit fixture(const std::string& path = "") {
    auto opened = open_admin_database({.path = path});
    REQUIRE(opened);
    db = *opened;
    settings = std::make_unique<sqlite_settings_store>(db);
    history = std::make_unique<sqlite_change_history>(db);
  }
  std::optional<std::string> get(std::string key) {
    auto r = wait(settings->get(std::move(key)));
    REQUIRE(r);
    return *r;
  }
  std::size_t entries() {
    auto r = wait(history->list({.limit = 500, .view = history_view::all}));
    REQUIRE(r);
    return r->size();
  }
};

history_entry setting_change(const std::string& key, bool before, bool after) {
  history_entry e;
  e.actor = "owner";
  e.action = "settings." + key;
  e.subject = key;
  e.summary = key + ": " + (before ? "on" : "off") + " → " + (after ? "on" : "off");
  e.before_json = before ? "true" : "false";
  e.after_json = after ? "true" : "false";
  return e;
}

}  // namespace

TEST_CASE("settings: get, set, get_all, kept across restarts") {
  temp_dir dir;
  auto path = dir.file("admin.db");
  {
    fixture f(path);
    CHECK_FALSE(f.get("fieldworkers_see_all_customers"));
    REQUIRE(wait(f.settings->set("fieldworkers_see_all_customers", "true")));
    REQUIRE(wait(f.settings->set("group_modes", "[]")));
    REQUIRE(wait(f.settings->set("group_modes", R"([{"group":"cn=x","mode":"full"}])")));
    CHECK(f.get("fieldworkers_see_all_customers") == "true");
    auto empty_key = wait(f.settings->set("", "x"));
    REQUIRE_FALSE(empty_key);
    CHECK(empty_key.error().code == record_errc::invalid);
  }
  fixture f(path);
  auto all = wait(f.settings->get_all());
  REQUIRE(all);
  CHECK(all->size() == 2);
  CHECK(all->at("group_modes") == R"([{"group":"cn=x","mode":"full"}])");
  CHECK(all->at("fieldworkers_see_all_customers") == "true");
  CHECK(f.entries() == 0);  // set() records no history
}

TEST_CASE("a setting and its history entry are written together") {
  fixture f;
  auto id = wait(f.history->record_setting_change(
      setting_change("fieldworkers_see_all_customers", false, true),
      "fieldworkers_see_all_customers", "true"));
  REQUIRE(id);
  CHECK(f.get("fieldworkers_see_all_customers") == "true");
  auto e = wait(f.history->get(*id, history_view::applied));
  REQUIRE(e);
  REQUIRE(*e);
  CHECK((*e)->state == change_state::applied);
  CHECK((*e)->subject == "fieldworkers_see_all_customers");

  // Reverting: the old value and the revert entry, the reverted entry marked, atomically.
  auto undo = setting_change("fieldworkers_see_all_customers", true, false);
  undo.reverts = *id;
  auto reverted =
      wait(f.history->record_setting_change(undo, "fieldworkers_see_all_customers", "false"));
  REQUIRE(reverted);
  CHECK(f.get("fieldworkers_see_all_customers") == "false");
  auto original = wait(f.history->get(*id, history_view::applied));
  REQUIRE(original);
  CHECK((*original)->reverted_by == *reverted);

  // A second revert of the same entry is refused and changes neither the setting nor the
  // history.
  auto twice =
      wait(f.history->record_setting_change(undo, "fieldworkers_see_all_customers", "true"));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == record_errc::already_reverted);
  CHECK(f.get("fieldworkers_see_all_customers") == "false");
  CHECK(f.entries() == 2);
}

TEST_CASE("when the setting cannot be written, no history entry remains (and vice versa)") {
  fixture f;
  REQUIRE(wait(f.settings->set("group_modes", "[]")));
  // Make the settings write fail inside the transaction, after the entry was inserted.
  auto broke = wait(f.db->run([](sqlite_connection& c) {
    return c.exec(
        "CREATE TRIGGER no_settings BEFORE UPDATE ON settings "
        "BEGIN SELECT RAISE(ABORT, 'settings are frozen'); END");
  }));
  REQUIRE(broke);
  auto id = wait(f.history->record_setting_change(setting_change("group_modes", false, true),
                                                  "group_modes", "[1]"));
  REQUIRE_FALSE(id);
  CHECK(id.error().code == record_errc::unavailable);
  CHECK(f.entries() == 0);
  CHECK(f.get("group_modes") == "[]");

  // And an entry that cannot be stored leaves the setting alone.
  auto invalid = setting_change("group_modes", false, true);
  invalid.action.clear();
  auto refused = wait(f.history->record_setting_change(invalid, "fieldworkers", "true"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == record_errc::invalid);
  CHECK_FALSE(f.get("fieldworkers"));
}
