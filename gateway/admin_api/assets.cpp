// The dashboard's files (admin-ui/, embedded at build time): /admin redirects to /admin/,
// /admin/ is index.html, /admin/{file} one of the embedded files or 404.
#include "gateway/admin_api/resources.hpp"
#include "gateway/http/embedded_files.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway::admin_api {

namespace {

response file_response(std::string_view name) {
  const embedded_file* f = find_embedded_file(name);
  if (!f) return problem(http::status::not_found, "not-found", "no such resource");
  response res{http::status::ok, 11};
  res.set(http::field::content_type, content_type_for(f->path));
  res.set(http::field::cache_control, "no-cache");
  res.body() = std::string(f->data);
  return res;
}

}  // namespace

net::awaitable<response> assets::redirect(request_context&) {
  // "/admin" -> "/admin/" so relative asset URLs resolve under /admin/.
  response res{http::status::permanent_redirect, 11};
  res.set(http::field::location, "/admin/");
  co_return res;
}

net::awaitable<response> assets::index(request_context&) {
  co_return file_response("index.html");
}

net::awaitable<response> assets::file(request_context& ctx) {
  co_return file_response(ctx.param("file"));
}

}  // namespace scopegate::gateway::admin_api
