#include "gateway/http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace scopegate::gateway {

namespace {

// Mozilla's "intermediate" TLS 1.2 list; TLS 1.3 suites are OpenSSL's defaults (all AEAD).
constexpr const char* k_tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's reason for the last failure, and the error queue emptied.
std::string openssl_reason() {
  std::string reason;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!reason.empty()) reason += "; ";
    reason += buf;
  }
  return reason.empty() ? std::string("unknown OpenSSL error") : reason;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("listen.tls: " + what + ": " + openssl_reason());
}

// Never prompt on a terminal for a pass phrase: an encrypted key simply fails to load.
int refuse_pass_phrase(char*, int, int, void*) {
  return 0;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(
    const config::listen_tls_config& cfg) {
  namespace ssl = boost::asio::ssl;
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) fail("setting TLS 1.2 minimum");
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, k_tls12_ciphers) != 1) fail("setting the cipher list");
  SSL_CTX_set_default_passwd_cb(native, refuse_pass_phrase);
  if (SSL_CTX_use_certificate_chain_file(native, cfg.certificate_file.c_str()) != 1)
    fail("certificate_file " + cfg.certificate_file);
  // The key is read apart so that a key of another certificate gets its own message.
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(cfg.key_file.c_str(), "r"), std::fclose);
  if (!file) throw std::runtime_error("listen.tls: key_file " + cfg.key_file + ": cannot open");
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      PEM_read_PrivateKey(file.get(), nullptr, refuse_pass_phrase, nullptr), EVP_PKEY_free);
  if (!key) fail("key_file " + cfg.key_file + " (a PEM private key without pass phrase)");
  if (X509_check_private_key(SSL_CTX_get0_certificate(native), key.get()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("listen.tls: key_file " + cfg.key_file +
                             " does not belong to certificate_file " + cfg.certificate_file);
  }
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1) fail("key_file " + cfg.key_file);
  return ctx;
}

}  // namespace scopegate::gateway
