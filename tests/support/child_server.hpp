#pragma once

// A server process a test starts on loopback and stops again (Prometheus, Alertmanager):
// forked with its output in a log file, ready once its `/-/ready` answers 200, stopped with
// SIGTERM (SIGKILL after 20 s) on destruction.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/await.hpp"
#include "support/http.hpp"

namespace kafka_actors::test {

class child_server {
public:
  child_server() = default;
  child_server(const child_server&) = delete;
  child_server& operator=(const child_server&) = delete;

  ~child_server() {
    if (pid_ > 0 && !exited()) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      if (!await([&] { return ::waitpid(pid_, &st, WNOHANG) == pid_; }, std::chrono::seconds{20})) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
      }
    }
  }

  /// Runs args[0] with `args`, output to `log`, and waits (60 s) until http://`listen`/-/ready
  /// answers 200. Returns "" or why it is not serving (its log included).
  std::string start(std::vector<std::string> args, const std::string& log,
                    const std::string& listen) {
    log_ = log;
    // Everything the child needs is made before fork: after it, only async-signal-safe calls.
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    int log_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0)
      return "cannot open " + log_;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(log_fd);
    if (pid_ < 0)
      return "fork failed";
    url_ = "http://" + listen;
    if (!await([&] { return exited() || http_get(url_ + "/-/ready", 1000).status == 200; },
               std::chrono::seconds{60})
        || exited())
      return args[0] + " did not get ready on " + listen + ":\n" + log_text();
    return {};
  }

  /// "http://host:port" once started.
  const std::string& url() const noexcept {
    return url_;
  }

  std::string log_text() const {
    std::ifstream in{log_};
    return {std::istreambuf_iterator<char>{in}, {}};
  }

private:
  bool exited() {
    int st = 0;
    if (pid_ > 0 && ::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return pid_ <= 0;
  }

  std::string log_;
  pid_t pid_ = -1;
  std::string url_;
};

} // namespace kafka_actors::test
