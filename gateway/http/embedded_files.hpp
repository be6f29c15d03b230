// The dashboard's static files (admin-ui/), compiled into the binary at build time from an
// allow-list in gateway/CMakeLists.txt. No path is ever joined or read from disk at run time:
// a request names one of these entries or gets 404.
//
//   if (auto* f = find_embedded_file("app.js")) send(f->data, content_type_for(f->path));
#pragma once

#include <span>
#include <string_view>

namespace scopegate::gateway {

struct embedded_file {
  std::string_view path;  // relative to admin-ui/, e.g. "app.js"
  std::string_view data;
};

// Every embedded file (generated source).
[[nodiscard]] std::span<const embedded_file> embedded_files();
// The entry whose path equals `path` exactly, or nullptr.
[[nodiscard]] const embedded_file* find_embedded_file(std::string_view path);
// Content type from the file name's extension (small fixed table); octet-stream otherwise.
[[nodiscard]] std::string_view content_type_for(std::string_view path);

}  // namespace scopegate::gateway
