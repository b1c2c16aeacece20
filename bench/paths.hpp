#pragma once

// The six measured paths of kafka_bench (produce and consume, raw librdkafka and through the
// actor API) and the raw admin calls around them. Every path takes its librdkafka properties
// from the same kafka_config, so raw and actor clients run with identical settings.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/lane_router.hpp"

namespace kafka_bench {

/// What one measured run needs.
struct run_spec {
  const kafka_actors::kafka_config* cfg = nullptr;
  std::string topic;
  /// Records to produce or consume (produce paths also send one untimed warm-up record
  /// first, so a produced topic holds count + 1).
  int64_t count = 0;
  size_t payload_bytes = 100;
  /// Actor batched produce: records per request and requests outstanding.
  size_t batch_size = 1000;
  size_t batches_in_flight = 8;
  /// Actor per-message produce: sends outstanding.
  size_t window = 5000;
  /// Raw produce: keys "k<i % keys>" when > 0 (none by default).
  size_t keys = 0;
};

/// What one measured run saw.
struct run_result {
  /// Produce: first send of the N timed records to the last delivery report.
  /// Consume: first record to the N-th.
  double seconds = 0;
  /// Consume only: subscribe (client creation) to the N-th record.
  double seconds_from_start = 0;
  /// Produce: delivery reports without error. Consume: records seen.
  int64_t ok = 0;
  /// Produce: failed delivery reports. Consume: offsets out of sequence (gaps, duplicates).
  int64_t failed = 0;
  /// CPU seconds this process (client, actors, librdkafka threads) spent over `seconds`.
  double client_cpu = 0;
  /// Share of all cores' time the machine (broker included) was busy over `seconds`, 0..1.
  double machine_busy = 0;
  /// Empty when the run worked; otherwise why it did not.
  std::string error;
};

run_result produce_raw(const run_spec& spec);
run_result produce_actor_batched(caf::actor_system& sys, const run_spec& spec);
run_result produce_actor_single(caf::actor_system& sys, const run_spec& spec);
/// Per-message sends as produce_actor_single, but through a producer_sender (caller-side
/// coalescing into batches of spec.batch_size, 1 ms linger), each record with its own result.
run_result produce_sender_single(caf::actor_system& sys, const run_spec& spec);
/// As produce_actor_batched, but through KafkaService (spawn_kafka_service): the service's
/// hop must cost next to nothing.
run_result produce_service_batched(caf::actor_system& sys, const run_spec& spec);
/// The same through a service the caller spawned (and stops, see stop_service).
run_result produce_service_batched(caf::actor_system& sys, const run_spec& spec,
                                   const kafka_actors::kafka_service_actor& service);
/// stop_all_atom_v to `service`, then drops the handle. An error text, empty if fine.
std::string stop_service(caf::actor_system& sys, kafka_actors::kafka_service_actor& service);

run_result consume_raw(const run_spec& spec, const std::string& group);
run_result consume_actor_batch(caf::actor_system& sys, const run_spec& spec,
                               const std::string& group);
run_result consume_actor_record(caf::actor_system& sys, const run_spec& spec,
                                const std::string& group);
/// As consume_actor_batch, but a subscription of `service` (subscribe_atom_v, stopped with
/// stop_atom_v and its id) instead of a consumer of its own.
/// A remote subscription through `service` (a node's, or a local one) whose handler, in
/// this process, checks and counts each record and acknowledges every batch at once,
/// granting `credit` records.
run_result consume_remote(caf::actor_system& sys, const kafka_actors::kafka_service_actor& service,
                          const run_spec& spec, const std::string& group, int64_t credit);
run_result consume_service_batch(caf::actor_system& sys,
                                 const kafka_actors::kafka_service_actor& service,
                                 const run_spec& spec, const std::string& group);
/// As consume_actor_record, through the partition manager's `lanes` (nullopt: today's single
/// handler lane), each record costing `handler_cost` of blocking work (a sleep). With key
/// lanes a partition's offsets arrive out of order: only the count is checked then.
run_result consume_actor_lanes(caf::actor_system& sys, const run_spec& spec,
                               const std::string& group,
                               const std::optional<kafka_actors::lane_options>& lanes,
                               std::chrono::microseconds handler_cost);

struct rk_deleter {
  void operator()(rd_kafka_t* p) const {
    rd_kafka_destroy(p);
  }
};
using rk_ptr = std::unique_ptr<rd_kafka_t, rk_deleter>;

/// A raw client with the kafka_config's bootstrap and `props`; `extra` may set more on the
/// conf (callbacks). Null with `error` set when librdkafka refuses a property.
rk_ptr new_client(rd_kafka_type_t type, kafka_actors::properties props,
                  const kafka_actors::kafka_config& cfg, std::string* error,
                  const std::function<void(rd_kafka_conf_t*)>& extra = {});
std::string err_text(rd_kafka_resp_err_t err);

/// CPU of this process and of the whole machine at one moment (/proc/stat), to tell a slow
/// path from a busy machine.
struct cpu_sample {
  double process = 0; // seconds
  double busy = 0;    // machine, jiffies
  double total = 0;   // machine, jiffies

  static cpu_sample now();
};

/// Median of `v`, 0 when empty.
double median(std::vector<double> v);

/// 1234567.4 -> "1,234,567".
std::string with_commas(double x);

/// Checks a run and prints it on one line named `name`: produce runs must have every
/// delivery report ok and the broker must hold N + 1 records (the warm-up one), consume runs
/// must have seen N records without a gap or duplicate. False on an error or a lost record.
bool report_run(const kafka_actors::kafka_config& cfg, const run_spec& spec, const char* name,
                bool produce, const run_result& r, int rep, int reps);

/// Raw admin calls (rd_kafka_CreateTopics and friends). Return an error text, empty if fine.
std::string create_topic(const kafka_actors::kafka_config& cfg, const std::string& topic,
                         int partitions,
                         const std::vector<std::pair<std::string, std::string>>& configs = {});
std::string delete_topics(const kafka_actors::kafka_config& cfg,
                          const std::vector<std::string>& topics);
/// Sum over partitions of high watermark − low watermark: what the broker holds.
int64_t records_in_topic(const kafka_actors::kafka_config& cfg, const std::string& topic,
                         std::string* error);

} // namespace kafka_bench
