#pragma once

// Runs a fixture's tests against the real broker at $KAFKA_ACTORS_BOOTSTRAP (set by
// `scripts/kafka run`), skipping them without one; names assignor-parameterised tests.

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace kafka_actors::test {

template <class Base>
class on_real_broker : public Base {
protected:
  void SetUp() override {
    auto env = std::getenv("KAFKA_ACTORS_BOOTSTRAP");
    if (!env || !*env)
      GTEST_SKIP() << "no real broker: run under scripts/kafka run -- ctest";
    bootstrap = env;
  }
  std::string bootstrap;
};

/// Test name suffix for a partition.assignment.strategy parameter: "eager" or "cooperative".
inline std::string assignor_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param == "cooperative-sticky" ? "cooperative" : "eager";
}

} // namespace kafka_actors::test
