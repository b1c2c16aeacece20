#pragma once

// Assertions on error texts, shared by the unit tests of the topology/ parsers.

#include <string>

#include <caf/expected.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/runtime/errors.hpp"

namespace ka_test {

/// The error's text, or "(no error)" when `x` holds a value.
template <class T>
std::string error_of(const caf::expected<T>& x) {
  return x ? std::string{"(no error)"} : kafka_actors::describe(x.error());
}

} // namespace ka_test

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string{text}.find(part), std::string::npos) << "missing: " << (part) \
                                                             << "\nin: " << (text)
