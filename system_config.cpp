#include "kafka_actors/system_config.hpp"

#include <algorithm>
#include <thread>

#include <caf/io/middleman.hpp>

#include "kafka_actors/actors/admin.hpp"
#include "kafka_actors/actors/alert_evaluator.hpp"
#include "kafka_actors/actors/circuit_breaker.hpp"
#include "kafka_actors/actors/consumer.hpp"
#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/actors/last_value_view.hpp"
#include "kafka_actors/actors/node.hpp"
#include "kafka_actors/actors/producer.hpp"
#include "kafka_actors/actors/remote_handler.hpp"
#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/message.hpp"

namespace kafka_actors {

actor_system_config::actor_system_config() {
  add_message_type<message>("kafka_actors::message");
  add_message_type<message_batch>("kafka_actors::message_batch");
  add_message_type<delivery_report>("kafka_actors::delivery_report");
  add_message_type<batch_report>("kafka_actors::batch_report");
  add_message_type<topic_config>("kafka_actors::topic_config");
  add_message_type<producer_status>("kafka_actors::producer_status");
  add_message_type<consumer_status>("kafka_actors::consumer_status");
  add_message_type<service_status>("kafka_actors::service_status");
  add_message_type<breaker_status>("kafka_actors::breaker_status");
  add_message_type<producer_actor>("kafka_actors::producer_actor");
  add_message_type<consumer_actor>("kafka_actors::consumer_actor");
  add_message_type<kafka_service_actor>("kafka_actors::kafka_service_actor");
  add_message_type<remote_batch>("kafka_actors::remote_batch");
  add_message_type<remote_subscription>("kafka_actors::remote_subscription");
  add_message_type<remote_feed_actor>("kafka_actors::remote_feed_actor");
  add_message_type<remote_handler_actor>("kafka_actors::remote_handler_actor");
  add_message_type<view_entry>("kafka_actors::view_entry");
  add_message_type<view_status>("kafka_actors::view_status");
  add_message_type<topic_description>("kafka_actors::topic_description");
  add_message_type<std::vector<group_listing>>("std::vector<kafka_actors::group_listing>");
  add_message_type<group_description>("kafka_actors::group_description");
  add_message_type<std::vector<partition_offsets>>(
    "std::vector<kafka_actors::partition_offsets>");
  add_message_type<alert_observation>("kafka_actors::alert_observation");
  add_message_type<alert_stats>("kafka_actors::alert_stats");
  add_error_category(error_category, [](uint8_t code, caf::atom_value,
                                        const caf::message& ctx) -> std::string {
    std::string out = to_string(static_cast<errc>(code));
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      out += ": " + ctx.get_as<std::string>(0);
    return out;
  });
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", static_cast<size_t>(cores));
  // Keep CAF quiet on stdout; our tools print what matters.
  set("logger.console", caf::atom("none"));
}

actor_system_config& actor_system_config::with_network() {
  // Loading a module twice would make two of it.
  if (!network_)
    load<caf::io::middleman>();
  network_ = true;
  return *this;
}

caf::error actor_system_config::with_tls(const node_tls& tls) {
  with_network();
  return enable_node_tls(*this, tls);
}

} // namespace kafka_actors
