#include "tools/args.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors::cli;

namespace {

args produce_like(std::vector<std::string> argv) {
  return args{std::move(argv), {"-h", "-d"}, {"-t", "-H", "-p", "--config"}};
}

} // namespace

TEST(args, reads_flags_values_repeats_and_positionals) {
  auto a = produce_like({"-t", "orders", "-H", "a=1", "-d", "pos", "-H", "b=2", "--config=x.json"});
  EXPECT_TRUE(a.has("-d"));
  EXPECT_FALSE(a.has("-h"));
  EXPECT_EQ(a.get("-t"), "orders");
  EXPECT_EQ(a.get("--config"), "x.json");
  EXPECT_EQ(a.all("-H"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(a.positional(), (std::vector<std::string>{"pos"}));
  EXPECT_EQ(a.get("-p", "fallback"), "fallback");
}

TEST(args, unknown_options_and_missing_values_are_usage_errors) {
  EXPECT_THROW(produce_like({"-x"}), usage_error);
  EXPECT_THROW(produce_like({"--nope=1"}), usage_error);
  EXPECT_THROW(produce_like({"-t"}), usage_error);
  // A lone '-' is a positional (stdin, by convention), not an option.
  EXPECT_EQ(produce_like({"-"}).positional(), (std::vector<std::string>{"-"}));
}

TEST(args, number_takes_whole_decimal_values_only) {
  EXPECT_EQ(produce_like({"-p", "7"}).number("-p", -1), 7);
  EXPECT_EQ(produce_like({}).number("-p", -1), -1);
  EXPECT_THROW(produce_like({"-p", "7x"}).number("-p", -1), usage_error);
  EXPECT_THROW(produce_like({"-p", ""}).number("-p", -1), usage_error);
  EXPECT_THROW(produce_like({"-p", "99999999999999999999"}).number("-p", -1), usage_error);
}

// produce -p 4294967296 went to partition 0 (a cast to int32) and consume --timeout past
// ~292 years overflowed its deadline: the CLI asks number() for the range it can use.
TEST(args, number_refuses_values_outside_the_asked_range) {
  auto a = produce_like({"-p", "4294967296"});
  EXPECT_THROW(a.number("-p", -1, -1, 2147483647), usage_error);
  try {
    a.number("-p", -1, -1, 2147483647);
  } catch (const usage_error& e) {
    EXPECT_NE(std::string{e.what()}.find("-1..2147483647"), std::string::npos) << e.what();
    EXPECT_NE(std::string{e.what()}.find("'4294967296'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(produce_like({"-p", "2147483647"}).number("-p", -1, -1, 2147483647), 2147483647);
  EXPECT_EQ(produce_like({"-p", "-1"}).number("-p", -1, -1, 2147483647), -1);
  EXPECT_THROW(produce_like({"-p", "-2"}).number("-p", -1, -1, 2147483647), usage_error);
  // The fallback is the caller's own value, not checked.
  EXPECT_EQ(produce_like({}).number("-p", -7, 0, 10), -7);
}
