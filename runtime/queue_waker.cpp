#include "kafka_actors/runtime/queue_waker.hpp"

#include <librdkafka/rdkafka.h>

namespace kafka_actors {

void queue_waker::enable(rd_kafka_queue_s* q) {
  rd_kafka_queue_cb_event_enable(q, &queue_waker::on_event, this);
}

void queue_waker::disable(rd_kafka_queue_s* q) {
  rd_kafka_queue_cb_event_enable(q, nullptr, nullptr);
}

void queue_waker::on_event(rd_kafka_s*, void* opaque) {
  static_cast<queue_waker*>(opaque)->wake();
}

} // namespace kafka_actors
