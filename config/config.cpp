// YAML -> validated scopegate::config::config. See docs/configuration.md for every key.
//
// The pieces: detail/yaml_walker.hpp walks the tree (paths, lines, ${VAR}, errors),
// detail/checks.hpp and syntax.hpp check syntax, parse_*.cpp read one group of sections
// each. This file ties them together and holds the cross-section checks.
#include "config/config.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/detail/checks.hpp"
#include "config/detail/sections.hpp"
#include "config/detail/yaml_walker.hpp"

namespace scopegate::config {

using namespace detail;

namespace {

// Counts the documents of a YAML stream as the parser reports them. YAML::LoadAll is not
// used: in yaml-cpp 0.7 (Debian 12) it never returns on some malformed streams (one starting
// with ","), whose parser reports an empty document again and again without consuming
// input, growing memory until the process dies (fixed upstream in jbeder/yaml-cpp#1319).
class document_counter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++count_ == 1) first_pos_ = mark.pos;
    if (count_ == 2) {
      second_line_ = mark.line >= 0 ? mark.line + 1 : 0;
      stuck_ = mark.pos == first_pos_;
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  [[nodiscard]] int count() const { return count_; }
  [[nodiscard]] int second_line() const { return second_line_; }
  // The second "document" starts where the first did: the parser read nothing (the stream
  // is malformed, not two documents).
  [[nodiscard]] bool stuck() const { return stuck_; }

 private:
  int count_ = 0;
  int first_pos_ = 0;
  int second_line_ = 0;
  bool stuck_ = false;
};

}  // namespace

config parse_config(const std::string& yaml_text, const std::string& origin) {
  parser p(origin);
  YAML::Node root;
  int second_document_line = -1;
  try {
    // Parse up to a second document only: one is all a configuration may have.
    std::istringstream stream(yaml_text);
    YAML::Parser events(stream);
    document_counter documents;
    while (documents.count() < 2 && events.HandleNextDocument(documents)) {
    }
    if (documents.stuck())
      p.fail("", documents.second_line(), "invalid YAML: no node can be read here");
    if (documents.count() > 1)
      second_document_line = documents.second_line();
    else
      root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    p.fail("", e.mark.line >= 0 ? e.mark.line + 1 : 0, "invalid YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    p.fail("", 0, std::string("invalid YAML: ") + e.what());
  }
  if (second_document_line >= 0)
    p.fail("", second_document_line, "expected one YAML document, found more than one");
  if (!root.IsDefined() || root.IsNull())
    p.fail("", 0, "the configuration is empty; expected a mapping with sections like ldap:");
  if (!root.IsMap())
    p.fail("", line_of(root, 0),
           "expected a mapping of sections at the top level, got " + kind_of(root));

  config c;
  try {
    section top(p, {root, "", line_of(root, 0)},
                {"listen", "ldap", "agents", "partners", "customers", "scope", "auth", "access",
                 "masking", "reveal", "smtp", "log", "admin", "ops"});
    parse_listen(p, top.sub("listen"), c.listen);
    parse_ldap(p, top.sub("ldap"), c.ldap);
    parse_agents(p, top.sub("agents"), c.agents);
    parse_partners(p, top.sub("partners"), c.partners);
    parse_customers(p, top.sub("customers"), c.customers);
    parse_scope(p, top.sub("scope"), c.scope);
    parse_auth(p, top.sub("auth"), c.auth);
    parse_access(p, top.sub("access"), c.access);
    parse_masking(p, top.sub("masking"), c.customers, c.masking);
    parse_reveal(p, top.sub("reveal"), c.reveal);
    parse_smtp(p, top.sub("smtp"), c.smtp);
    parse_log(p, top.sub("log"), c.log);
    parse_admin(p, top.sub("admin"), c.admin);
    parse_ops(p, top.sub("ops"), c.ops);
    if (!c.reveal.notify_email.empty()) {
      if (c.smtp.url.empty())
        p.fail("smtp.url", top.key_line("smtp"),
               "reveal.notify_email is set, so alert mails need smtp.url");
      if (c.smtp.from.empty())
        p.fail("smtp.from", top.key_line("smtp"),
               "reveal.notify_email is set, so alert mails need a sender address in smtp.from");
    }
    if (!c.agents.partner_attribute && !c.partners.member_attribute)
      p.fail("agents.partner_attribute", top.key_line("agents"),
             "neither agents.partner_attribute nor partners.member_attribute is set; one of "
             "them is needed to link agents to partners");
  } catch (const YAML::Exception& e) {  // should not happen; never let it escape untyped
    p.fail("", e.mark.line >= 0 ? e.mark.line + 1 : 0, std::string("invalid YAML: ") + e.what());
  }
  return c;
}

config load_config(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw config_error("", 0, "cannot read configuration file: is a directory", path);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config_error(
        "", 0, std::string("cannot read configuration file: ") + std::strerror(errno), path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw config_error("", 0, "cannot read configuration file: read error", path);
  return parse_config(ss.str(), path);
}

std::vector<std::string> risky_settings(const config& c) {
  std::vector<std::string> out;
  if (c.scope.unassigned_agents == unassigned_policy::all)
    out.push_back(
        "scope.unassigned_agents is 'all': an agent assigned to no partner sees every "
        "customer of the directory");
  if (!c.masking.enabled)
    out.push_back(
        "masking.enabled is false: every agent sees customers' contact details unmasked, and "
        "no reveal is counted or recorded");
  return out;
}

std::string describe(const config& c) {
  std::ostringstream o;
  auto list_or_none = [](const std::vector<std::string>& v) {
    return v.empty() ? std::string("none") : join(v, ", ");
  };
  o << "listen: " << c.listen.address << ":" << c.listen.port << ", threads "
    << (c.listen.threads == 0 ? std::string("one per core") : std::to_string(c.listen.threads))
    << ", trusted proxies: " << list_or_none(c.listen.trusted_proxies)
    << (c.listen.tls ? ", HTTPS with certificate " + c.listen.tls->certificate_file
                     : std::string(", plain HTTP"))
    << "\n";
  o << "ops: /metrics readable from " << list_or_none(c.ops.metrics_networks) << "\n";
  o << "ldap: " << join(c.ldap.uris, ", ") << (c.ldap.start_tls ? " (StartTLS)" : "") << "; bind "
    << (c.ldap.bind_dn.empty() ? std::string("anonymous")
                               : "as " + c.ldap.bind_dn + " with password ***")
    << "; pools " << c.ldap.pool_size << " search + " << c.ldap.bind_pool_size << " bind; timeout "
    << c.ldap.timeout_ms << " ms; page size " << c.ldap.page_size;
  if (!c.ldap.ca_file.empty()) o << "; CA " << c.ldap.ca_file;
  o << "\n";
  o << "agents: " << c.agents.base_dn << " " << c.agents.filter << ", login "
    << c.agents.login_attribute;
  if (c.agents.partner_attribute) o << ", partner IDs in " << *c.agents.partner_attribute;
  o << "\n";
  o << "partners: " << c.partners.base_dn << " " << c.partners.filter << ", id "
    << c.partners.id_attribute << ", customer IDs in " << c.partners.customer_ids_attribute;
  if (c.partners.member_attribute) o << ", member agents in " << *c.partners.member_attribute;
  o << "\n";
  std::vector<std::string> fields;
  for (const auto& f : c.customers.fields)
    fields.push_back(f.name + "=" + f.attribute);
  o << "customers: " << c.customers.base_dn << " " << c.customers.filter << ", login "
    << c.customers.login_attribute << ", customer ID " << c.customers.customer_id_attribute
    << ", search " << join(c.customers.search_attributes, ", ") << ", fields " << join(fields, ", ")
    << ", max results " << c.customers.max_results << ", index "
    << (c.customers.index == customer_index::ldap ? "ldap" : "memory") << " (max staleness "
    << c.customers.index_max_staleness_seconds << " s), new logins " << c.customers.login_prefix
    << "<random>\n";
  o << "scope: unassigned agents "
    << (c.scope.unassigned_agents == unassigned_policy::all ? "see all" : "denied")
    << ", bypass groups: " << list_or_none(c.scope.bypass_groups) << ", cache "
    << (c.scope.cache_ttl_seconds == 0 ? std::string("off")
                                       : std::to_string(c.scope.cache_ttl_seconds) + " s, " +
                                             std::to_string(c.scope.cache_max_entries) + " entries")
    << "\n";
  o << "auth: " << c.auth.trusted_clients.size() << " trusted client(s)";
  for (const auto& tc : c.auth.trusted_clients)
    o << "; " << tc.name << " from " << join(tc.networks, ", ");
  o << "; bind cache "
    << (c.auth.bind_cache_seconds == 0 ? std::string("off")
                                       : std::to_string(c.auth.bind_cache_seconds) + " s")
    << "; logins " << (c.auth.login_case == case_rule::lower ? "lower-cased" : "case preserved")
    << "; " << c.auth.failed_attempts_per_minute << " failed logins per login and "
    << c.auth.failed_attempts_per_address_per_minute << " per address in "
    << c.auth.failed_attempts_window_seconds << " s\n";
  o << "masking: " << (c.masking.enabled ? "on" : "off") << ", fields "
    << list_or_none(c.masking.fields) << ", style "
    << (c.masking.style == mask_style::partial ? "partial" : "redact")
    << ", visible to groups: " << list_or_none(c.masking.visible_to_groups) << "\n";
  o << "reveal: " << c.reveal.daily_limit << " customers per agent per day (" << c.reveal.timezone
    << "), alerts to " << (c.reveal.notify_email.empty() ? "nobody" : c.reveal.notify_email)
    << ", ledger "
    << (c.reveal.database_path.empty() ? std::string("in memory") : c.reveal.database_path)
    << ", kept " << c.reveal.retention_days << " days\n";
  if (!c.smtp.url.empty())
    o << "smtp: " << c.smtp.url << (c.smtp.starttls ? " (STARTTLS)" : "") << " from " << c.smtp.from
      << (c.smtp.username.empty() ? std::string()
                                  : ", as " + c.smtp.username + " with password ***")
      << "\n";
  o << "log: " << c.log.level << ", access log " << (c.log.access_log ? "on" : "off") << "\n";
  o << "admin: groups " << list_or_none(c.admin.group_dns) << " (members in "
    << c.admin.member_attribute << "); sessions idle " << c.admin.session_idle_minutes
    << " min, max " << c.admin.session_max_hours << " h; history "
    << (c.admin.history_database_path.empty() ? std::string("in memory")
                                              : c.admin.history_database_path)
    << "\n";
  return o.str();
}

const char* to_string(access_mode mode) {
  switch (mode) {
    case access_mode::full:
      return "full";
    case access_mode::edit:
      return "edit";
    case access_mode::edit_import:
      return "edit_import";
    case access_mode::edit_export:
      return "edit_export";
    case access_mode::view_only:
      return "view_only";
    case access_mode::hidden:
      return "hidden";
  }
  return "hidden";
}

std::optional<access_mode> parse_access_mode(std::string_view text) {
  for (auto m : {access_mode::full, access_mode::edit, access_mode::edit_import,
                 access_mode::edit_export, access_mode::view_only, access_mode::hidden})
    if (text == to_string(m)) return m;
  return std::nullopt;
}

}  // namespace scopegate::config
