#pragma once

// Credit accounting for the edges that carry records between actors. Plain classes without CAF:
// the actors only ask them what may be sent and tell them what came back.

#include <cstddef>
#include <cstdint>

namespace kafka_actors {

/// Bounds what is in flight on one edge by message count and bytes.
/// One batch larger than the whole window is admitted when nothing else is in flight, so an
/// oversize batch makes slow progress instead of waiting forever.
class credit_window {
public:
  credit_window(size_t max_messages, size_t max_bytes) noexcept
    : max_messages_(max_messages), max_bytes_(max_bytes) {
  }

  bool admits(size_t messages, size_t bytes) const noexcept {
    if (messages_ == 0 && bytes_ == 0)
      return true;
    return messages_ + messages <= max_messages_ && bytes_ + bytes <= max_bytes_;
  }

  void take(size_t messages, size_t bytes) noexcept {
    messages_ += messages;
    bytes_ += bytes;
  }

  void give_back(size_t messages, size_t bytes) noexcept {
    messages_ -= messages < messages_ ? messages : messages_;
    bytes_ -= bytes < bytes_ ? bytes : bytes_;
  }

  size_t in_flight_messages() const noexcept {
    return messages_;
  }

  size_t in_flight_bytes() const noexcept {
    return bytes_;
  }

  size_t max_messages() const noexcept {
    return max_messages_;
  }

  size_t max_bytes() const noexcept {
    return max_bytes_;
  }

private:
  size_t max_messages_;
  size_t max_bytes_;
  size_t messages_ = 0;
  size_t bytes_ = 0;
};

/// Credit a downstream actor granted: the upstream may send at most `available()` records.
class credit_account {
public:
  void grant(int64_t n) noexcept {
    available_ += n;
  }

  /// Spends up to `wanted`, returns how many may be sent now.
  int64_t spend(int64_t wanted) noexcept {
    auto n = wanted < available_ ? wanted : available_;
    if (n < 0)
      n = 0;
    available_ -= n;
    return n;
  }

  int64_t available() const noexcept {
    return available_;
  }

  bool exhausted() const noexcept {
    return available_ <= 0;
  }

private:
  int64_t available_ = 0;
};

} // namespace kafka_actors
