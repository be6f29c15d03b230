// Request bodies of writes: a JSON object (application/json), or the problem to send.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <vector>

#include "gateway/http/server.hpp"

namespace scopegate::gateway {

// The body as a JSON object; 415 when not application/json, 400 when not an object.
[[nodiscard]] boost::system::result<boost::json::object, response> json_object_body(
    const request& req);

// `o[key]` as a string, or "" when absent or not a string.
[[nodiscard]] std::string string_member(const boost::json::object& o, std::string_view key);
// `o[key]` is the boolean true.
[[nodiscard]] bool true_member(const boost::json::object& o, std::string_view key);

}  // namespace scopegate::gateway
