#include "ldap/detail/connector.hpp"

#include <algorithm>

#include "ldap/detail/tls_diagnosis.hpp"
#include "ldap/session_options.hpp"

namespace scopegate::ldap::detail {

connector::connector() : work_(net::make_work_guard(ctx_)) {}

connector::~connector() {
  shutdown();
}

void connector::launch() {
  std::lock_guard lock(mutex_);
  if (!thread_.joinable() && !shut_) thread_ = std::thread([this] { ctx_.run(); });
}

void connector::shutdown() {
  std::lock_guard lock(mutex_);
  shut_ = true;
  work_.reset();
  ctx_.stop();
  if (thread_.joinable()) thread_.join();
}

namespace {

// Waits for the result of `msgid` for at most `timeout_ms`; returns its result code.
int await_result_blocking(LDAP* ld, int msgid, int timeout_ms, std::string& err) {
  timeval tv = to_timeval(timeout_ms);
  LDAPMessage* raw = nullptr;
  int type = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &raw);
  message_ptr msg(raw);
  if (type == 0) {
    err = "timed out";
    return LDAP_TIMEOUT;
  }
  if (type < 0) {
    int code = LDAP_SERVER_DOWN;
    ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &code);
    err = ldap_err2string(code);
    return code;
  }
  int code = LDAP_OTHER;
  int rc = ldap_parse_result(ld, msg.get(), &code, nullptr, nullptr, nullptr, nullptr, 0);
  if (rc != LDAP_SUCCESS) code = rc;
  if (code != LDAP_SUCCESS) err = ldap_err2string(code);
  return code;
}

// libldap's words for a failed step: the result code's text and, when it has one, the
// server's or library's diagnostic message.
std::string describe_failure(LDAP* ld, int rc) {
  std::string out = ldap_err2string(rc);
  char* diag = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS && diag) {
    std::string text = diag;
    ldap_memfree(diag);
    if (!text.empty() && text != "(unknown error code)") out += " (" + text + ")";
  }
  return out;
}

// A failed TLS setup, named by what is wrong with the certificate when that is the cause.
std::string tls_failure(const config::ldap_config& cfg, const std::string& uri,
                        const std::string& step, const std::string& libldap_says) {
  std::string why = diagnose_tls_failure(cfg, uri);
  if (why.empty()) return uri + ": " + step + ": " + libldap_says;
  return "TLS: " + why + " for " + uri;
}

ldap_handle open_one(const config::ldap_config& cfg, const std::string& uri, bool service_bind,
                     std::string& err, int& code) {
  LDAP* raw = nullptr;
  int rc = ldap_initialize(&raw, uri.c_str());
  code = rc != LDAP_SUCCESS ? rc : LDAP_PARAM_ERROR;
  ldap_handle ld(raw);
  if (rc != LDAP_SUCCESS || !ld) {
    err = uri + ": " + ldap_err2string(rc);
    return nullptr;
  }
  std::string what;
  if ((rc = apply_session_options(ld.get(), cfg, uri, what)) != LDAP_SUCCESS) {
    code = rc;
    err = uri + ": setting " + what + ": " + ldap_err2string(rc);
    return nullptr;
  }
  if ((rc = ldap_connect(ld.get())) != LDAP_SUCCESS) {
    code = rc;
    err = uri.starts_with("ldaps://")
              ? tls_failure(cfg, uri, "connect", describe_failure(ld.get(), rc))
              : uri + ": connect: " + describe_failure(ld.get(), rc);
    return nullptr;
  }
  if (cfg.start_tls && !uri.starts_with("ldaps://")) {
    // Bounded by LDAP_OPT_TIMEOUT and LDAP_OPT_NETWORK_TIMEOUT (see session_options). On any
    // failure the connection is dropped here: nothing, least of all a bind, is ever sent
    // on it in clear text.
    if ((rc = ldap_start_tls_s(ld.get(), nullptr, nullptr)) != LDAP_SUCCESS) {
      code = rc;
      // Local errors are the handshake failing; a result code is the server refusing.
      err = rc < 0 ? tls_failure(cfg, uri, "StartTLS", describe_failure(ld.get(), rc))
                   : uri + ": StartTLS refused by the server: " + describe_failure(ld.get(), rc);
      return nullptr;
    }
  }
  if (service_bind && !cfg.bind_dn.empty()) {
    berval cred = as_berval(cfg.bind_password);
    int msgid = -1;
    rc = ldap_sasl_bind(ld.get(), cfg.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr,
                        &msgid);
    std::string why;
    if (rc == LDAP_SUCCESS)
      rc = await_result_blocking(ld.get(), msgid, cfg.connect_timeout_ms, why);
    if (rc != LDAP_SUCCESS) {
      code = rc;
      err = uri + ": service bind as " + cfg.bind_dn + ": " +
            (why.empty() ? ldap_err2string(rc) : why);
      return nullptr;
    }
  }
  return ld;
}

}  // namespace

ldap_handle open_connection(const config::ldap_config& cfg, bool service_bind, std::string& err,
                            int* code) {
  int last = LDAP_PARAM_ERROR;
  if (cfg.uris.empty()) err = "no LDAP URIs configured";
  for (const auto& uri : cfg.uris)
    if (auto ld = open_one(cfg, uri, service_bind, err, last)) return ld;
  if (code) *code = last;
  return nullptr;
}

ldap_handle open_service_connection(const config::ldap_config& cfg, std::string& err) {
  return open_connection(cfg, true, err);
}

int next_backoff_ms(int previous_ms, int max_ms) noexcept {
  constexpr int k_first_ms = 50;
  int cap = std::max(1, max_ms);
  if (previous_ms <= 0) return std::min(cap, k_first_ms);
  return previous_ms > cap / 2 ? cap : previous_ms * 2;
}

}  // namespace scopegate::ldap::detail
