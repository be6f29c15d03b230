#include "tests/support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/support/slapd.hpp"

namespace scopegate::testing {

fault_proxy::fault_proxy(const std::string& target_host, int target_port) {
  char templ[] = "/tmp/scopegate-proxy-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  const std::string script = source_path("tests/support/fault_proxy.py");
  const std::string port_file = dir_ + "/ports";
  const std::string target = std::to_string(target_port);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::execl("/usr/bin/python3", "python3", script.c_str(), target_host.c_str(), target.c_str(),
            port_file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!(std::ifstream(port_file) >> port_ >> control_port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      throw std::runtime_error("fault_proxy.py exited before listening");
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("fault_proxy.py did not start listening");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

fault_proxy::~fault_proxy() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string fault_proxy::uri() const {
  return "ldap://127.0.0.1:" + std::to_string(port_);
}

int fault_proxy::accepted() {
  std::string answer = command("count");
  return std::stoi(answer.substr(3));
}

long fault_proxy::bytes_up() {
  std::string answer = command("count");
  return std::stol(answer.substr(answer.rfind(' ') + 1));
}

// One short-lived control connection per command; blocking I/O is fine in a test.
std::string fault_proxy::command(const std::string& line) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(control_port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("fault proxy control port refused");
  }
  std::string request = line + "\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    throw std::runtime_error("fault proxy control write failed");
  }
  std::string answer;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n')
    answer.push_back(c);
  ::close(fd);
  if (answer.rfind("ok", 0) != 0) throw std::runtime_error("fault proxy: " + answer);
  return answer;
}

}  // namespace scopegate::testing
