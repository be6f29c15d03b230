#include "tests/support/test_pki.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace scopegate::testing {

namespace {

// The `openssl ca` setup: copies the request's subjectAltName, any subject with a CN.
constexpr const char* k_ca_config = R"([ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any_subject
copy_extensions = copy
unique_subject = no
[ any_subject ]
commonName = supplied
)";

std::string in_dir(const std::string& dir, const std::string& command) {
  return "cd '" + dir + "' && " + command;
}

}  // namespace

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  char buf[512];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
    out.append(buf, n);
  if (::pclose(pipe) != 0) throw std::runtime_error("command failed: " + command + "\n" + out);
  return out;
}

test_pki::test_pki(const std::string& ca_name) {
  char templ[] = "/tmp/scopegate-pki-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  std::ofstream(dir_ + "/ca.cnf") << k_ca_config;
  std::ofstream(dir_ + "/index.txt");
  std::ofstream(dir_ + "/serial") << "1000\n";
  run_command(in_dir(dir_,
                     "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt "
                     "-days 2 -subj '/CN=" +
                         ca_name + "'"));
}

test_pki::~test_pki() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

test_pki::issued test_pki::issue(const std::string& cn, const std::string& san, validity when) {
  const std::string base = "server" + std::to_string(++serial_);
  run_command(in_dir(dir_, "openssl req -newkey rsa:2048 -nodes -keyout " + base + ".key -out " +
                               base + ".csr -subj '/CN=" + cn + "' -addext 'subjectAltName=" + san +
                               "'"));
  const std::string dates =
      when == validity::expired ? "-startdate 20200101000000Z -enddate 20200102000000Z" : "-days 2";
  run_command(
      in_dir(dir_, "openssl ca -batch -notext -config ca.cnf -cert ca.crt -keyfile ca.key " +
                       dates + " -in " + base + ".csr -out " + base + ".crt"));
  return {dir_ + "/" + base + ".crt", dir_ + "/" + base + ".key"};
}

std::string test_pki::fingerprint(const std::string& certificate_file) {
  std::string out =
      run_command("openssl x509 -noout -fingerprint -sha256 -in '" + certificate_file + "'");
  auto eq = out.find('=');
  if (eq == std::string::npos) throw std::runtime_error("no fingerprint in: " + out);
  out = out.substr(eq + 1);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

}  // namespace scopegate::testing
