// A small blocking HTTP client (libcurl) for integration tests.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace scopegate::testing {

struct http_reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const;
};

struct http_call {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string user;  // Basic auth "login:password" when non-empty
};

http_reply http(const http_call& call);
inline http_reply http_get(const std::string& url, const std::string& user = "") {
  return http({.method = "GET", .url = url, .headers = {}, .body = {}, .user = user});
}

// The CA file https:// calls trust (empty, the default: the system's). For tests of HTTPS.
void set_https_ca_file(std::string path);

// Percent-encodes for a query value or a path segment.
std::string url_encode(const std::string& value);

}  // namespace scopegate::testing
