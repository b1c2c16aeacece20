#include "support/ledger.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors::test::ledger;

namespace {

produced acked(const std::string& key, uint64_t seq, int32_t partition, int64_t offset) {
  return produced{key, seq, crc32(key + "/" + std::to_string(seq)), delivery::acked, partition,
                  offset, {}};
}

consumed got(const std::string& key, uint64_t seq, int32_t partition, int64_t offset) {
  return consumed{key, seq, crc32(key + "/" + std::to_string(seq)), partition, offset};
}

// Key "a" on partition 0 and key "b" on partition 1, `n` records each, all acknowledged.
checker produced_two_keys(uint64_t n) {
  checker c;
  for (uint64_t i = 0; i < n; ++i) {
    c.add(acked("a", i, 0, static_cast<int64_t>(2 * i)));
    c.add(acked("b", i, 1, static_cast<int64_t>(i)));
  }
  return c;
}

void consume_all(checker& c, uint64_t from, uint64_t to) {
  for (uint64_t i = from; i < to; ++i) {
    c.add(got("a", i, 0, static_cast<int64_t>(2 * i)));
    c.add(got("b", i, 1, static_cast<int64_t>(i)));
  }
}

} // namespace

TEST(ledger, crc32_matches_the_ieee_check_value) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_NE(crc32("value-1"), crc32("value-2"));
}

TEST(ledger, lines_round_trip) {
  produced p{"k\t1", 42, 0xdeadbeef, delivery::failed, 3, -1, "Local: Message timed out\n"};
  auto text = format(p);
  EXPECT_EQ(text, "p\tk 1\t42\tdeadbeef\tfailed\t3\t-1\tLocal: Message timed out ");
  std::string why;
  auto l = parse(text, &why);
  ASSERT_TRUE(l) << why;
  ASSERT_TRUE(l->p);
  EXPECT_EQ(l->p->key, "k 1");
  EXPECT_EQ(l->p->seq, 42u);
  EXPECT_EQ(l->p->crc, 0xdeadbeefu);
  EXPECT_EQ(l->p->result, delivery::failed);
  EXPECT_EQ(l->p->partition, 3);
  EXPECT_EQ(l->p->offset, -1);
  EXPECT_EQ(l->p->error, "Local: Message timed out ");
  auto c = parse(format(consumed{"k", 7, 0x1, 2, 99}), &why);
  ASSERT_TRUE(c && c->c) << why;
  EXPECT_EQ(c->c->seq, 7u);
  EXPECT_EQ(c->c->crc, 1u);
  EXPECT_EQ(c->c->offset, 99);
  EXPECT_FALSE(c->p);
}

TEST(ledger, comments_blank_lines_and_run_markers) {
  auto blank = parse("");
  ASSERT_TRUE(blank);
  EXPECT_FALSE(blank->p || blank->c || blank->segment_start);
  auto comment = parse("# batch begin 500");
  ASSERT_TRUE(comment);
  EXPECT_FALSE(comment->segment_start);
  auto run = parse("# run pid=123");
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->segment_start);
  EXPECT_TRUE(parse("#run")->segment_start);
  EXPECT_FALSE(parse("# running")->segment_start);
}

TEST(ledger, malformed_lines_are_refused_with_a_reason) {
  std::string why;
  EXPECT_FALSE(parse("x\ta\t1\t00000000\t0\t0", &why));
  EXPECT_NE(why.find("neither"), std::string::npos) << why;
  EXPECT_FALSE(parse("c\ta\t1\t00000000\t0", &why));
  EXPECT_NE(why.find("6"), std::string::npos) << why;
  EXPECT_FALSE(parse("c\ta\tone\t00000000\t0\t0", &why));
  EXPECT_NE(why.find("seq"), std::string::npos) << why;
  EXPECT_FALSE(parse("c\ta\t1\tzz\t0\t0", &why));
  EXPECT_NE(why.find("crc"), std::string::npos) << why;
  EXPECT_FALSE(parse("p\ta\t1\t00000000\tmaybe\t0\t0", &why));
  EXPECT_NE(why.find("maybe"), std::string::npos) << why;
  EXPECT_FALSE(parse("c\ta\t99999999999\t00000000\t0\t0", &why));
  EXPECT_NE(why.find("above"), std::string::npos) << why;
  EXPECT_FALSE(parse("c\ta\t1\t00000000\tp0\t0", &why));
  EXPECT_NE(why.find("partition"), std::string::npos) << why;
}

TEST(ledger, everything_consumed_once_in_order_is_clean) {
  auto c = produced_two_keys(100);
  consume_all(c, 0, 100);
  auto r = c.check();
  EXPECT_TRUE(r.clean());
  EXPECT_EQ(r.produced, 200u);
  EXPECT_EQ(r.acked, 200u);
  EXPECT_EQ(r.consumed, 200u);
  EXPECT_EQ(r.distinct, 200u);
  EXPECT_EQ(r.lost + r.duplicated + r.reordered + r.log_inversions + r.corrupted, 0u);
  EXPECT_EQ(r.segments, 1u);
  EXPECT_TRUE(r.examples.empty());
}

TEST(ledger, an_acknowledged_record_never_consumed_is_lost) {
  auto c = produced_two_keys(10);
  consume_all(c, 0, 10);
  c.add(acked("a", 10, 0, 20)); // acknowledged, never read
  auto r = c.check();
  EXPECT_FALSE(r.clean());
  EXPECT_EQ(r.lost, 1u);
  ASSERT_FALSE(r.examples.empty());
  EXPECT_NE(r.examples[0].find("lost: key 'a' seq 10"), std::string::npos) << r.examples[0];
}

TEST(ledger, a_reported_failure_is_no_loss_even_if_it_was_written) {
  auto c = produced_two_keys(3);
  c.add(produced{"a", 3, crc32("a/3"), delivery::failed, -1, -1, "timed out"});
  c.add(produced{"b", 3, crc32("b/3"), delivery::failed, -1, -1, "timed out"});
  consume_all(c, 0, 3);
  c.add(got("b", 3, 1, 3)); // failed as far as the caller knows, but on the log
  auto r = c.check();
  EXPECT_TRUE(r.clean());
  EXPECT_EQ(r.failed, 2u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.failed_but_consumed, 1u);
}

TEST(ledger, a_record_without_any_answer_makes_the_run_unclean) {
  auto c = produced_two_keys(3);
  c.add(produced{"a", 3, crc32("a/3"), delivery::unanswered, -1, -1, {}});
  consume_all(c, 0, 3);
  auto r = c.check();
  EXPECT_EQ(r.unanswered, 1u);
  EXPECT_FALSE(r.clean());
}

TEST(ledger, redelivery_counts_duplicates_per_segment_but_no_reorder) {
  auto c = produced_two_keys(100);
  consume_all(c, 0, 60); // first process, killed after 60 of each key
  c.next_segment();
  consume_all(c, 50, 80); // second one starts at the last commit (50): 10 + 10 copies
  c.next_segment();
  c.next_segment(); // a run that consumed nothing is no segment
  consume_all(c, 75, 100); // third: 5 + 5 copies
  auto r = c.check();
  EXPECT_TRUE(r.clean());
  EXPECT_EQ(r.duplicated, 30u);
  EXPECT_EQ(r.segments, 3u);
  EXPECT_EQ(r.max_segment_duplicates, 20u);
  EXPECT_EQ(r.reordered, 0u);
  EXPECT_EQ(r.distinct, 200u);
}

TEST(ledger, a_record_first_seen_after_a_later_one_of_its_key_is_reordered) {
  auto c = produced_two_keys(3);
  c.add(got("a", 0, 0, 0));
  c.add(got("a", 2, 0, 4)); // skipped seq 1...
  c.add(got("a", 1, 0, 2)); // ...and delivered it afterwards
  c.add(got("b", 0, 1, 0));
  c.add(got("b", 1, 1, 1));
  c.add(got("b", 2, 1, 2));
  auto r = c.check();
  EXPECT_EQ(r.reordered, 1u);
  EXPECT_EQ(r.log_inversions, 0u); // the log was right, the delivery was not
  EXPECT_FALSE(r.clean());
}

TEST(ledger, a_key_out_of_order_on_the_log_is_an_inversion) {
  checker c;
  c.add(acked("a", 0, 0, 10));
  c.add(acked("a", 1, 0, 11));
  c.add(acked("a", 2, 0, 12));
  // The broker holds seq 2 before seq 1 (a non-idempotent retry), and a consumer reads the
  // log in offset order.
  c.add(got("a", 0, 0, 10));
  c.add(got("a", 2, 0, 11));
  c.add(got("a", 1, 0, 12));
  auto r = c.check();
  EXPECT_EQ(r.log_inversions, 1u);
  EXPECT_EQ(r.reordered, 1u);
  EXPECT_FALSE(r.clean());
}

TEST(ledger, a_crc_mismatch_is_corruption) {
  auto c = produced_two_keys(2);
  c.add(got("a", 0, 0, 0));
  c.add(consumed{"a", 1, crc32("something else"), 0, 2});
  c.add(got("b", 0, 1, 0));
  c.add(got("b", 1, 1, 1));
  auto r = c.check();
  EXPECT_EQ(r.corrupted, 1u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_FALSE(r.clean());
  ASSERT_FALSE(r.examples.empty());
  EXPECT_NE(r.examples[0].find("corrupted: key 'a' seq 1"), std::string::npos);
}

TEST(ledger, a_record_nobody_produced_is_unexpected) {
  auto c = produced_two_keys(1);
  consume_all(c, 0, 1);
  c.add(got("a", 5, 0, 10));
  c.add(got("zz", 0, 0, 11));
  auto r = c.check();
  EXPECT_EQ(r.unexpected, 2u);
  EXPECT_FALSE(r.clean());
}

TEST(ledger, a_key_on_two_partitions_is_split) {
  auto c = produced_two_keys(2);
  c.add(got("a", 0, 0, 0));
  c.add(got("a", 1, 2, 0)); // the same key, elsewhere
  c.add(got("b", 0, 1, 0));
  c.add(got("b", 1, 1, 1));
  auto r = c.check();
  EXPECT_EQ(r.split_keys, 1u);
  EXPECT_FALSE(r.clean());
}

TEST(ledger, figures_name_every_count) {
  auto c = produced_two_keys(5);
  consume_all(c, 0, 4);
  auto text = to_figures(c.check());
  EXPECT_NE(text.find("produced=10\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lost=2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("consumed=8\n"), std::string::npos) << text;
  EXPECT_NE(text.find("clean=0\n"), std::string::npos) << text;
}

TEST(ledger, examples_are_capped) {
  checker c;
  for (uint64_t i = 0; i < 50; ++i)
    c.add(acked("a", i, 0, static_cast<int64_t>(i)));
  auto r = c.check(5);
  EXPECT_EQ(r.lost, 50u);
  EXPECT_EQ(r.examples.size(), 5u);
}

TEST(ledger, a_seq_above_the_dense_table_is_refused) {
  checker c;
  EXPECT_THROW(c.add(acked("a", max_seq + 1, 0, 0)), std::out_of_range);
}
