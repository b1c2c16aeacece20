#include "tools/line_format.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors::cli;

TEST(line_format, splits_key_and_value_at_the_first_delimiter) {
  auto kv = split_key("k1:v:1", ":");
  EXPECT_EQ(kv.key, "k1");
  EXPECT_EQ(kv.value, "v:1");
  auto multi = split_key("a::b::c", "::");
  EXPECT_EQ(multi.key, "a");
  EXPECT_EQ(multi.value, "b::c");
}

TEST(line_format, line_without_delimiter_is_all_value_and_has_no_key) {
  auto kv = split_key("no delimiter here", ":");
  EXPECT_EQ(kv.key, "");
  EXPECT_EQ(kv.value, "no delimiter here");
  auto no_k = split_key("a:b", "");
  EXPECT_EQ(no_k.key, "");
  EXPECT_EQ(no_k.value, "a:b");
}

TEST(line_format, empty_key_or_value_around_the_delimiter_stays_empty) {
  auto lead = split_key(":v", ":");
  EXPECT_EQ(lead.key, "");
  EXPECT_EQ(lead.value, "v");
  auto trail = split_key("k:", ":");
  EXPECT_EQ(trail.key, "k");
  EXPECT_EQ(trail.value, "");
  auto both = split_key("", ":");
  EXPECT_EQ(both.key, "");
  EXPECT_EQ(both.value, "");
}

TEST(line_format, keeps_carriage_returns_and_nul_bytes) {
  auto kv = split_key(std::string{"k\0x\tv\r", 6}, "\t");
  EXPECT_EQ(kv.key, std::string("k\0x", 3));
  EXPECT_EQ(kv.value, "v\r");
}

TEST(line_format, header_arg_splits_at_the_first_equals_sign) {
  auto h = parse_header_arg("trace=a=b");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->first, "trace");
  EXPECT_EQ(h->second, "a=b");
  auto empty = parse_header_arg("flag=");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->first, "flag");
  EXPECT_EQ(empty->second, "");
}

TEST(line_format, header_arg_without_name_or_equals_sign_is_refused) {
  EXPECT_FALSE(parse_header_arg("novalue"));
  EXPECT_FALSE(parse_header_arg("=value"));
  EXPECT_FALSE(parse_header_arg(""));
}
