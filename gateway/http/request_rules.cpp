#include "gateway/http/request_rules.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>

namespace scopegate::gateway {

namespace http = boost::beast::http;

std::size_t header_block_end(std::string_view raw) {
  auto end = raw.find("\r\n\r\n");
  return end == std::string_view::npos ? end : end + 4;
}

bool has_obs_fold(std::string_view header_block) {
  for (auto eol = header_block.find("\r\n"); eol != std::string_view::npos;
       eol = header_block.find("\r\n", eol + 2)) {
    if (eol + 2 >= header_block.size()) break;
    char next = header_block[eol + 2];
    if (next == ' ' || next == '\t') return true;
  }
  return false;
}

std::optional<std::string_view> framing_violation(const http::request_header<>& header) {
  const auto te_count = header.count(http::field::transfer_encoding);
  const auto cl_count = header.count(http::field::content_length);
  if (te_count > 1) return "Transfer-Encoding may appear only once";
  if (te_count == 1) {
    if (!boost::beast::iequals(header[http::field::transfer_encoding], "chunked"))
      return "the only Transfer-Encoding accepted is chunked";
    if (cl_count > 0) return "Content-Length and Transfer-Encoding together";
  }
  if (cl_count > 1) return "Content-Length may appear only once";
  if (cl_count == 1) {
    auto length = header[http::field::content_length];
    if (length.empty() ||
        !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return "Content-Length must be one decimal number";
  }
  const auto host_count = header.count(http::field::host);
  if (host_count > 1) return "Host may appear only once";
  if (header.version() >= 11 && (host_count == 0 || header[http::field::host].empty()))
    return "an HTTP/1.1 request needs a Host";
  return std::nullopt;
}

}  // namespace scopegate::gateway
