#include "ldap/detail/tls_diagnosis.hpp"

#include <arpa/inet.h>
#include <ldap.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

#include "ldap/detail/handles.hpp"

namespace scopegate::ldap::detail {

namespace {

struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
struct store_free {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct store_ctx_free {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct url_free {
  void operator()(LDAPURLDesc* p) const { ldap_free_urldesc(p); }
};

bool is_ip_address(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::string verify_certificate(std::string_view der, const std::string& ca_file,
                               const std::string& host) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, x509_free> cert(d2i_X509(nullptr, &bytes, static_cast<long>(der.size())));
  if (!cert) return "the server's certificate could not be parsed";
  std::unique_ptr<X509_STORE, store_free> store(X509_STORE_new());
  if (!store) return {};
  int loaded = ca_file.empty() ? X509_STORE_set_default_paths(store.get())
                               : X509_STORE_load_file(store.get(), ca_file.c_str());
  if (loaded != 1) return "the CA file " + ca_file + " could not be read";
  std::unique_ptr<X509_STORE_CTX, store_ctx_free> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) return {};
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  if (!host.empty()) {
    if (is_ip_address(host))
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  if (X509_verify_cert(ctx.get()) == 1) return {};
  return std::string("certificate verify failed (") +
         X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())) + ")";
}

std::string diagnose_tls_failure(const config::ldap_config& cfg, const std::string& uri) {
  LDAPURLDesc* raw_url = nullptr;
  if (ldap_url_parse(uri.c_str(), &raw_url) != LDAP_URL_SUCCESS) return {};
  std::unique_ptr<LDAPURLDesc, url_free> url(raw_url);
  const std::string host = url->lud_host ? url->lud_host : "";

  LDAP* raw = nullptr;
  if (ldap_initialize(&raw, uri.c_str()) != LDAP_SUCCESS || !raw) return {};
  ldap_handle ld(raw);
  int version = LDAP_VERSION3;
  ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  timeval timeout = to_timeval(cfg.connect_timeout_ms);
  ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &timeout);
  ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &timeout);
  // Only to look at the certificate: this handle never binds and is closed at once.
  int allow = LDAP_OPT_X_TLS_ALLOW;
  ldap_set_option(ld.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &allow);
  int is_server = 0;
  ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &is_server);
  if (ldap_connect(ld.get()) != LDAP_SUCCESS) return {};
  if (!uri.starts_with("ldaps://") && ldap_start_tls_s(ld.get(), nullptr, nullptr) != LDAP_SUCCESS)
    return {};
  berval der{0, nullptr};
  if (ldap_get_option(ld.get(), LDAP_OPT_X_TLS_PEERCERT, &der) != LDAP_OPT_SUCCESS || !der.bv_val)
    return {};
  std::string why = verify_certificate(std::string_view(der.bv_val, der.bv_len), cfg.ca_file, host);
  ber_memfree(der.bv_val);
  return why;
}

}  // namespace scopegate::ldap::detail
