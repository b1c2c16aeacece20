#include "tools/args.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors::cli;

namespace {

args produce_like(std::vector<std::string> argv) {
  return args{std::move(argv), {{"-h", "-d", "-e"}, {"-t", "-p", "-K", "-b", "--config"}, {"-H"},
                                {"TOPIC"}}};
}

// The message of the usage_error `argv` raises, or "" when it parses.
std::string usage_problem(std::vector<std::string> argv) {
  try {
    produce_like(std::move(argv));
  } catch (const usage_error& e) {
    return e.what();
  }
  return {};
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
  EXPECT_THROW(produce_like({"-p", " 7"}).number("-p", -1), usage_error);
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

// kcat users type -K: and -tname: a short option's value may be attached, as getopt allows.
TEST(args, a_short_option_takes_an_attached_value) {
  auto a = produce_like({"-K:", "-torders", "-p10", "-H", "a=1", "-Hb=2"});
  EXPECT_EQ(a.get("-K"), ":");
  EXPECT_EQ(a.get("-t"), "orders");
  EXPECT_EQ(a.number("-p", -1), 10);
  EXPECT_EQ(a.all("-H"), (std::vector<std::string>{"a=1", "b=2"}));
  // A negative number after a valued option is its value, not an option.
  EXPECT_EQ(produce_like({"-p", "-5"}).get("-p"), "-5");
  EXPECT_EQ(produce_like({"-p-5"}).get("-p"), "-5");
}

TEST(args, short_flags_bundle_and_a_valued_option_ends_the_bundle) {
  auto a = produce_like({"-de", "-dtorders"});
  EXPECT_TRUE(a.has("-d"));
  EXPECT_TRUE(a.has("-e"));
  EXPECT_EQ(a.get("-t"), "orders");
  EXPECT_NE(usage_problem({"-dx"}).find("unknown option '-x' in '-dx'"), std::string::npos)
    << usage_problem({"-dx"});
}

TEST(args, a_single_valued_option_given_twice_is_an_error) {
  auto problem = usage_problem({"-t", "x", "-t", "y"});
  EXPECT_NE(problem.find("'-t' given twice ('x' and 'y')"), std::string::npos) << problem;
  EXPECT_EQ(usage_problem({"-H", "a=1", "-H", "a=2"}), "");
  EXPECT_EQ(usage_problem({"-d", "-d"}), "");
}

TEST(args, an_empty_value_is_an_error) {
  EXPECT_NE(usage_problem({"-K", ""}).find("'-K' needs a non-empty value"), std::string::npos);
  EXPECT_NE(usage_problem({"--config="}).find("'--config' needs a non-empty value"),
            std::string::npos);
}

TEST(args, positionals_beyond_the_spec_are_errors) {
  EXPECT_EQ(produce_like({"orders"}).positional(), (std::vector<std::string>{"orders"}));
  auto problem = usage_problem({"orders", "stray"});
  EXPECT_NE(problem.find("unexpected argument 'stray'"), std::string::npos) << problem;
  EXPECT_THROW((args{{"x"}, {{"-h"}, {}, {}, {}}}), usage_error);
  // After "--" everything is positional, even what looks like an option.
  EXPECT_EQ(produce_like({"--", "-t"}).positional(), (std::vector<std::string>{"-t"}));
}

TEST(args, long_spellings_and_flag_values) {
  auto a = produce_like({"--bootstrap", "h:1", "--topic=orders", "--help", "--debug"});
  EXPECT_EQ(a.get("-b"), "h:1");
  EXPECT_EQ(a.get("-t"), "orders");
  EXPECT_TRUE(a.has("-h"));
  EXPECT_TRUE(a.has("-d"));
  EXPECT_NE(usage_problem({"--help=yes"}).find("'-h' takes no value"), std::string::npos)
    << usage_problem({"--help=yes"});
  // --group is -G only where a command has -G.
  EXPECT_NE(usage_problem({"--group", "g"}).find("unknown option '--group'"), std::string::npos);
}

TEST(args, errors_show_whole_characters_and_escape_control_bytes) {
  auto problem = usage_problem({"-t", "\xc3\xbcn\xc3\xaf", "-t", "x\x01\xc3"});
  EXPECT_NE(problem.find("'\xc3\xbcn\xc3\xaf'"), std::string::npos) << problem;
  EXPECT_NE(problem.find("'x\\x01\\xC3'"), std::string::npos) << problem;
}
