#include "kafka_actors/runtime/embedded_cluster.hpp"

#include <algorithm>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"

namespace kafka_actors {

// The mock cluster lives inside a client handle; a producer that never produces hosts it.
struct embedded_cluster::host {
  client_ptr rk;
};

embedded_cluster::~embedded_cluster() {
  if (mcluster_)
    rd_kafka_mock_cluster_destroy(mcluster_);
}

caf::expected<std::shared_ptr<embedded_cluster>> embedded_cluster::start(int brokers) {
  auto conf = make_conf({{"client.id", "kafka-actors-embedded"}, {"log_level", "3"}});
  if (!conf)
    return conf.error();
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk)
    return rk.error();
  std::shared_ptr<embedded_cluster> self{new embedded_cluster};
  self->host_ = std::make_unique<host>(host{std::move(*rk)});
  self->mcluster_ = rd_kafka_mock_cluster_new(self->host_->rk.get(), brokers);
  if (!self->mcluster_)
    return make_error(errc::kafka_error, "cannot start the embedded mock cluster");
  self->bootstrap_ = rd_kafka_mock_cluster_bootstraps(self->mcluster_);
  self->brokers_ = brokers;
  return self;
}

caf::error embedded_cluster::create_topic(const topic_config& cfg) {
  if (auto err = validate(cfg))
    return err;
  // The mock answers "already exists" inconsistently; remember what we made.
  if (std::find(topics_.begin(), topics_.end(), cfg.name) != topics_.end())
    return make_error(errc::topic_already_exists,
                      "topic '" + cfg.name + "' already exists");
  auto rf = std::min<int>(cfg.replication_factor, brokers_);
  auto err = rd_kafka_mock_topic_create(mcluster_, cfg.name.c_str(), cfg.partitions, rf);
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    return make_error(errc::topic_already_exists,
                      "topic '" + cfg.name + "' already exists");
  if (err)
    return make_error(errc::kafka_error, "creating topic '" + cfg.name
                                           + "': " + rd_error_text(err));
  topics_.push_back(cfg.name);
  return caf::none;
}

caf::error embedded_cluster::set_broker_down(int id) {
  if (auto err = rd_kafka_mock_broker_set_down(mcluster_, id))
    return make_error(errc::kafka_error, rd_error_text(err));
  return caf::none;
}

caf::error embedded_cluster::set_broker_up(int id) {
  if (auto err = rd_kafka_mock_broker_set_up(mcluster_, id))
    return make_error(errc::kafka_error, rd_error_text(err));
  return caf::none;
}

void embedded_cluster::push_request_errors(int16_t api_key, size_t count, int err) {
  std::vector<rd_kafka_resp_err_t> errs(count, static_cast<rd_kafka_resp_err_t>(err));
  rd_kafka_mock_push_request_errors_array(mcluster_, api_key, errs.size(), errs.data());
}

} // namespace kafka_actors
