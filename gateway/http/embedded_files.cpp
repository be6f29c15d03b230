#include "gateway/http/embedded_files.hpp"

#include <array>
#include <utility>

namespace scopegate::gateway {

const embedded_file* find_embedded_file(std::string_view path) {
  for (const auto& f : embedded_files())
    if (f.path == path) return &f;
  return nullptr;
}

std::string_view content_type_for(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> k_types = {{
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [ext, type] : k_types)
    if (path.size() > ext.size() && path.ends_with(ext)) return type;
  return "application/octet-stream";
}

}  // namespace scopegate::gateway
