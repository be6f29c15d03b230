// scopegate executable: parses the command line and wires the libraries together.
#include <spdlog/spdlog.h>
#include <iostream>

#include "config/config.hpp"
#include "gateway/service.hpp"

namespace {

constexpr const char* k_usage = R"(usage: scopegate --config FILE        serve
       scopegate --check-config FILE  validate FILE and print a summary
       scopegate --version | --help

scopegate is an HTTP gateway that answers customer-directory queries with only the
customers mapped to the calling agent's partner. See README.md and docs/configuration.md.
)";

int serve(const scopegate::config::config& cfg, const std::string& config_path) {
  spdlog::set_level(spdlog::level::from_str(cfg.log.level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  scopegate::gateway::service svc(cfg);
  svc.start();
  svc.handle_signals();
  svc.reload_on_sighup(config_path);
  svc.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << k_usage;
    return 0;
  }
  if (args.size() == 1 && args[0] == "--version") {
    std::cout << "scopegate " << SCOPEGATE_VERSION << "\n";
    return 0;
  }
  if (args.size() != 2 || (args[0] != "--config" && args[0] != "--check-config")) {
    std::cerr << k_usage;
    return 2;
  }
  scopegate::config::config cfg;
  try {
    cfg = scopegate::config::load_config(args[1]);
  } catch (const scopegate::config::config_error& e) {
    std::cerr << "scopegate: invalid configuration: " << e.what() << "\n";
    return 1;
  }
  if (args[0] == "--check-config") {
    std::cout << "configuration OK\n" << scopegate::config::describe(cfg);
    for (const auto& risk : scopegate::config::risky_settings(cfg))
      std::cout << "warning: " << risk << "\n";
    return 0;
  }
  try {
    return serve(cfg, args[1]);
  } catch (const std::exception& e) {
    spdlog::critical("scopegate: {}", e.what());
    return 1;
  }
}
