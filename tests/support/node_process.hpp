#pragma once

// `kafka-actors node` in a child process, and a client actor system with the middleman.

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <fstream>
#include <string>
#include <vector>

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/actor_system.hpp>

#include "kafka_actors/system_config.hpp"

extern char** environ;

namespace kafka_actors::test {

// `kafka-actors node --port 0` as a child process; its first stdout line is the port.
class node_process {
public:
  /// `extra`: more arguments after `node --port 0` (e.g. the TLS files).
  explicit node_process(const std::vector<std::string>& extra = {}) {
    int out[2];
    if (::pipe(out) != 0)
      throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::string cli = KAFKA_ACTORS_CLI;
    std::vector<const char*> args = {cli.c_str(), "node", "--port", "0"};
    for (auto& x : extra)
      args.push_back(x.c_str());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, cli.c_str(), &fa, nullptr, const_cast<char**>(args.data()), environ)
        != 0)
      throw std::runtime_error("cannot start " + cli);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    out_ = out[0];
    // The port line comes once the service is up and published (the embedded cluster's
    // start included): wait for it, within a bound.
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0)
        continue;
      char buf[64];
      auto n = ::read(out_, buf, sizeof(buf));
      if (n <= 0)
        break;
      line.append(buf, static_cast<size_t>(n));
    }
    port = static_cast<uint16_t>(std::stoi(line.empty() ? "0" : line));
  }

  ~node_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }

  /// Sends `sig` and waits for the exit; the exit status, -1 if it did not end in 60 s.
  int stop(int sig) {
    ::kill(pid_, sig);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      pollfd none{-1, 0, 0};
      ::poll(&none, 0, 50); // a child's exit has no descriptor to wait on
    }
    return -1;
  }

  uint16_t port = 0;

  pid_t pid() const {
    return pid_;
  }

  /// The node process's resident set (VmRSS), in KiB; -1 if unknown.
  long rss_kib() const {
    std::ifstream f{"/proc/" + std::to_string(pid_) + "/status"};
    std::string key;
    while (f >> key) {
      if (key == "VmRSS:") {
        long kib = -1;
        f >> kib;
        return kib;
      }
      std::string rest;
      std::getline(f, rest);
    }
    return -1;
  }

private:
  pid_t pid_ = -1;
  int out_ = -1;
};

struct network_system {
  network_system() : sys{cfg.with_network()} {
  }
  actor_system_config cfg;
  caf::actor_system sys;
};

} // namespace kafka_actors::test
