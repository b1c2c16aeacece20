#pragma once

// Everything a kafka-actors user needs: models, config, the actors and their protocols.

#include "kafka_actors/actors/admin.hpp"
#include "kafka_actors/actors/batch_processor.hpp"
#include "kafka_actors/actors/circuit_breaker.hpp"
#include "kafka_actors/actors/handler_lane.hpp"
#include "kafka_actors/actors/consumer.hpp"
#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/actors/last_value_view.hpp"
#include "kafka_actors/actors/node.hpp"
#include "kafka_actors/actors/producer.hpp"
#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/admin_client.hpp"
#include "kafka_actors/runtime/atoms.hpp"
#include "kafka_actors/runtime/embedded_cluster.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/message.hpp"
#include "kafka_actors/runtime/record.hpp"
#include "kafka_actors/system_config.hpp"
#include "kafka_actors/topology/migration_runner.hpp"
#include "kafka_actors/topology/topic_plan.hpp"
