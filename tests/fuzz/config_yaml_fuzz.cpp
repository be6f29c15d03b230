// YAML configuration loading (config::parse_config, what load_config runs on a file's text)
// on any bytes. Properties: the only exception that leaves the loader is config_error
// (anything else ends the process, and libFuzzer reports it); neither an error message nor
// the --check-config summary ever shows a secret that came from ${VAR}.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace {

constexpr std::string_view k_secret = "Zq7-not-for-logs-Xv9";

void require(bool ok, const char* what) {
  if (!ok) {
    std::printf("property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The variables the seeds (and scopegate.example.yaml) refer to hold the secret.
  setenv("SCOPEGATE_LDAP_PASSWORD", std::string(k_secret).c_str(), 1);
  setenv("SCOPEGATE_FUZZ_SECRET", std::string(k_secret).c_str(), 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Where the input spells the secret itself, it may rightly be quoted back.
  const bool typed = text.find(k_secret) != std::string::npos;
  try {
    auto cfg = scopegate::config::parse_config(text, "fuzz.yaml");
    if (!typed)
      require(scopegate::config::describe(cfg).find(k_secret) == std::string::npos,
              "the summary hides secrets");
  } catch (const scopegate::config::config_error& e) {
    if (!typed)
      require(std::string_view(e.what()).find(k_secret) == std::string_view::npos,
              "an error never shows a value from ${VAR}");
  }
  return 0;
}
