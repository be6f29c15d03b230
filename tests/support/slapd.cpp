#include "tests/support/slapd.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace scopegate::testing {
namespace {

std::string run_capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  char buf[512];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
    out.append(buf, n);
  int status = ::pclose(pipe);
  if (status != 0) throw std::runtime_error("command failed: " + command + "\n" + out);
  return out;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

}  // namespace

std::string source_path(const std::string& relative) {
  return std::string(SCOPEGATE_SOURCE_DIR) + "/" + relative;
}

slapd::slapd(const std::string& ldif, const tls_files* tls) {
  char templ[] = "/tmp/scopegate-slapd-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  if (tls)
    tls_env_ = "SCOPEGATE_SLAPD_TLS_CERT=" + quote(tls->certificate_file) +
               " SCOPEGATE_SLAPD_TLS_KEY=" + quote(tls->key_file) + " ";
  std::ofstream(dir_ + "/data.ldif") << ldif;
  run_capture(tls_env_ + quote(source_path("scripts/slapd-start")) + " " + quote(dir_) + " " +
              quote(dir_ + "/data.ldif") + " 2>&1");
  port_ = std::stoi(run_capture("cat " + quote(dir_ + "/port")));
  uri_ = "ldap://127.0.0.1:" + std::to_string(port_);
  if (tls) ldaps_uri_ = "ldaps://127.0.0.1:" + run_capture("cat " + quote(dir_ + "/ldaps_port"));
  while (!ldaps_uri_.empty() && ldaps_uri_.back() == '\n')
    ldaps_uri_.pop_back();
  read_pid();
}

slapd::~slapd() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void slapd::read_pid() {
  std::ifstream in(dir_ + "/slapd.pid");
  in >> pid_;
  if (pid_ <= 0) throw std::runtime_error("slapd wrote no pid in " + dir_);
}

void slapd::stop(bool graceful) {
  if (pid_ <= 0) return;
  ::kill(pid_, graceful ? SIGTERM : SIGKILL);
  // slapd is not our child (it daemonizes): poll until the PID is gone.
  for (int i = 0; i < 500 && ::kill(pid_, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  pid_ = 0;
  std::filesystem::remove(dir_ + "/slapd.pid");
}

void slapd::start() {
  if (pid_ > 0) return;
  run_capture(tls_env_ + quote(source_path("scripts/slapd-start")) + " " + quote(dir_) + " '' " +
              std::to_string(port_) + " 2>&1");
  read_pid();
}

void slapd::modify(const std::string& ldif) const {
  std::string file = dir_ + "/modify.ldif";
  std::ofstream(file) << ldif;
  run_capture("ldapmodify -x -H " + quote(uri_) + " -D " + quote(root_dn) + " -w " +
              quote(root_password) + " -f " + quote(file) + " 2>&1");
}

long slapd::completed_binds() const {
  auto out = run_capture("ldapsearch -x -LLL -H " + quote(uri_) + " -D " + quote(root_dn) + " -w " +
                         quote(root_password) +
                         " -b cn=Bind,cn=Operations,cn=Monitor -s base monitorOpCompleted 2>&1");
  auto at = out.find("monitorOpCompleted: ");
  if (at == std::string::npos) throw std::runtime_error("no bind counter in: " + out);
  // Not counted: this query's own bind (completed before its search runs) and those of the
  // earlier queries.
  ++monitor_queries_;
  return std::stol(out.substr(at + 20)) - monitor_queries_;
}

std::string base_ldif() {
  return R"(dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=com
objectClass: organizationalUnit
ou: people

dn: ou=customers,dc=example,dc=com
objectClass: organizationalUnit
ou: customers

dn: ou=partners,dc=example,dc=com
objectClass: organizationalUnit
ou: partners

dn: ou=groups,dc=example,dc=com
objectClass: organizationalUnit
ou: groups

)";
}

}  // namespace scopegate::testing
