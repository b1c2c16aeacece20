// rel_lag: prints a group's lag on a topic (end offsets minus committed offsets, summed over
// the partitions; a partition without a committed offset counts from its start), without
// joining the group. Scenario scripts wait on it, e.g. for a group's first commit.
//
//   rel_lag -b BROKERS -G GROUP -t TOPIC

#include <iostream>

#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "reliability/options.hpp"

using namespace kafka_actors;
using namespace kafka_actors::reliability;

int main(int argc, char** argv) {
  try {
    options o{argc, argv, {}, {"-b", "-G", "-t"}};
    auto topic = o.str("-t");
    if (!o.has("-b") || !o.has("-G") || topic.empty())
      throw std::invalid_argument("needs -b BROKERS, -G GROUP and -t TOPIC");
    auto conf = make_conf({{"bootstrap.servers", o.str("-b")}, {"group.id", o.str("-G")}});
    if (!conf)
      throw std::runtime_error(describe(conf.error()));
    auto rk = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
    if (!rk)
      throw std::runtime_error(describe(rk.error()));
    const rd_kafka_metadata_t* md = nullptr;
    auto rkt = rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr);
    auto err = rd_kafka_metadata(rk->get(), 0, rkt, &md, 10000);
    rd_kafka_topic_destroy(rkt);
    if (err || !md || md->topic_cnt != 1 || md->topics[0].err) {
      if (md)
        rd_kafka_metadata_destroy(md);
      throw std::runtime_error("no metadata for '" + topic + "'");
    }
    tpl_ptr parts{rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt)};
    for (int p = 0; p < md->topics[0].partition_cnt; ++p)
      rd_kafka_topic_partition_list_add(parts.get(), topic.c_str(), md->topics[0].partitions[p].id);
    rd_kafka_metadata_destroy(md);
    if (auto e = rd_kafka_committed(rk->get(), parts.get(), 10000))
      throw std::runtime_error("committed offsets: " + rd_error_text(e));
    int64_t lag = 0;
    for (int i = 0; i < parts->cnt; ++i) {
      auto& e = parts->elems[i];
      int64_t low = 0, high = 0;
      if (auto w = rd_kafka_query_watermark_offsets(rk->get(), e.topic, e.partition, &low,
                                                    &high, 10000))
        throw std::runtime_error("end offsets: " + rd_error_text(w));
      lag += std::max<int64_t>(0, high - (e.offset >= 0 ? e.offset : low));
    }
    std::cout << lag << "\n";
    return 0;
  } catch (const std::invalid_argument& e) {
    std::cerr << "rel_lag: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rel_lag: " << e.what() << "\n";
    return 1;
  }
}
