#pragma once

// The embedded default: librdkafka's in-process mock cluster. It keeps only ~5 MiB per
// partition, cannot serve CreateTopics (topics are made with rd_kafka_mock_topic_create) and
// takes ~3 s for a group's first join; good for quickstarts and fault injection.

#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "kafka_actors/runtime/topic_config.hpp"

struct rd_kafka_mock_cluster_s;

namespace kafka_actors {

class embedded_cluster {
public:
  ~embedded_cluster();

  embedded_cluster(const embedded_cluster&) = delete;
  embedded_cluster& operator=(const embedded_cluster&) = delete;

  static caf::expected<std::shared_ptr<embedded_cluster>> start(int brokers);

  /// "127.0.0.1:port,..." for bootstrap.servers.
  const std::string& bootstrap_servers() const noexcept {
    return bootstrap_;
  }

  int brokers() const noexcept {
    return brokers_;
  }

  /// Creates a topic; errc::topic_already_exists if it is there.
  caf::error create_topic(const topic_config& cfg);

  /// Fault injection: take broker `id` (1-based) down or bring it back.
  caf::error set_broker_down(int id);
  caf::error set_broker_up(int id);

  /// Makes the next `count` requests of API `api_key` fail with `err` (rd_kafka_resp_err_t).
  void push_request_errors(int16_t api_key, size_t count, int err);

  rd_kafka_mock_cluster_s* native() const noexcept {
    return mcluster_;
  }

private:
  embedded_cluster() = default;

  struct host;
  std::unique_ptr<host> host_;
  rd_kafka_mock_cluster_s* mcluster_ = nullptr;
  std::string bootstrap_;
  int brokers_ = 0;
  std::vector<std::string> topics_;
};

} // namespace kafka_actors
