#pragma once

// Appends ledger lines to a file with one write(2) per call on an O_APPEND descriptor: what
// a call wrote is in the kernel's page cache when it returns, so it survives a SIGKILL of
// the process a moment later (the consumer-kill scenario depends on that).

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace kafka_actors::reliability {

class ledger_file {
public:
  explicit ledger_file(const std::string& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
    if (fd_ < 0)
      throw std::runtime_error("cannot open ledger '" + path + "': " + std::strerror(errno));
  }
  ~ledger_file() {
    ::close(fd_);
  }
  ledger_file(const ledger_file&) = delete;
  ledger_file& operator=(const ledger_file&) = delete;

  /// Writes `text` (whole lines, each ending in '\n'); safe from any thread.
  void write(const std::string& text) {
    std::lock_guard<std::mutex> guard{mx_};
    size_t done = 0;
    while (done < text.size()) {
      auto n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        throw std::runtime_error(std::string{"ledger write failed: "} + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
  }

private:
  int fd_;
  std::mutex mx_;
};

} // namespace kafka_actors::reliability
