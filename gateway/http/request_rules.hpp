// What a well-formed request is, beyond what Beast's parser enforces (DESIGN §5a): framing
// that two parsers could read differently is refused, so a body can never be taken for a
// second, smuggled request. Pure functions, called by the session before a body is read.
//
//   auto end = header_block_end(raw);            // npos: the header is not complete yet
//   if (has_obs_fold(raw.substr(0, end))) ...    // 400 and close
//   if (auto why = framing_violation(parser.get())) ...  // 400 and close
#pragma once

#include <boost/beast/http/message.hpp>
#include <optional>
#include <string_view>

namespace scopegate::gateway {

// The size of the header block at the start of `raw` (request line, fields and the empty
// line that ends them), or npos when `raw` does not hold all of it yet.
[[nodiscard]] std::size_t header_block_end(std::string_view raw);

// Whether a line of `header_block` after the first begins with a space or tab: obs-fold
// (RFC 9112 §5.2), which a server must refuse rather than guess at.
[[nodiscard]] bool has_obs_fold(std::string_view header_block);

// Why a parsed request header must be refused, as constant text for a problem detail, or
// nullopt when it is acceptable: a Transfer-Encoding other than exactly one `chunked`,
// Transfer-Encoding together with Content-Length, more than one Content-Length or one that
// is not a plain number, more than one Host, or (HTTP/1.1) a missing or empty Host.
[[nodiscard]] std::optional<std::string_view> framing_violation(
    const boost::beast::http::request_header<>& header);

}  // namespace scopegate::gateway
