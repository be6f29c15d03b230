// HTTPS for the listener: the OpenSSL server context built from `listen.tls`. Only
// gateway/http/server.cpp and the HTTP tests include the Asio SSL headers; everyone else sees
// this forward declaration.
//
//   auto ctx = make_server_tls_context(*cfg.listen.tls);   // throws std::runtime_error
//   beast::ssl_stream<tcp::socket> stream(std::move(socket), *ctx);
#pragma once

#include <memory>

#include "config/config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scopegate::gateway {

// A server context with the certificate chain and key of `cfg`: TLS 1.2 and 1.3 only, no
// compression, no renegotiation, forward-secret AEAD ciphers for TLS 1.2. Reads the files
// now; an encrypted key is refused (nobody could type its pass phrase). Throws
// std::runtime_error naming the file and OpenSSL's reason, never the key's contents.
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(
    const config::listen_tls_config& cfg);

}  // namespace scopegate::gateway
