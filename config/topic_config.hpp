#pragma once

// The topic model lives with the other models in runtime/; this name stays for users.

#include "kafka_actors/runtime/topic_config.hpp"
