// A completion token for coroutines spawned without anyone awaiting them: an exception is
// logged (with `what` it was doing) instead of vanishing with the coroutine.
//
//   net::co_spawn(io, purge(), log_failure("deleting expired reveals"));
#pragma once

#include <spdlog/spdlog.h>

#include <exception>

namespace scopegate::gateway {

inline auto log_failure(const char* what) {
  return [what](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      spdlog::error("{} failed: {}", what, e.what());
    } catch (...) {
      spdlog::error("{} failed with an unknown exception", what);
    }
  };
}

}  // namespace scopegate::gateway
