#pragma once

// Drives actors deterministically under GoogleTest: CAF's `testing` scheduler policy runs
// nothing until the test says so (CAF's own test DSL needs CAF's test runner).

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/system_config.hpp"

namespace kafka_actors::test {

struct test_system_config : actor_system_config {
  test_system_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.inline-output", true);
    set("middleman.network-backend", caf::atom("testing"));
  }
};

class caf_fixture : public ::testing::Test {
protected:
  caf_fixture()
    : sys(cfg), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
  }

  /// Runs every job until no actor has anything left to do.
  void run() {
    sched.run();
  }

  test_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
};

} // namespace kafka_actors::test
