#include "kafka_actors/topology/migration_runner.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "kafka_actors/topology/cluster_ops.hpp"
#include "kafka_actors/topology/topic_plan.hpp"

namespace kafka_actors {

namespace {

struct txn_error_deleter {
  void operator()(rd_kafka_error_t* e) const {
    rd_kafka_error_destroy(e);
  }
};
using txn_error_ptr = std::unique_ptr<rd_kafka_error_t, txn_error_deleter>;

// Every apply on one ledger shares it: that is what makes a second apply fence the first.
std::string transactional_id(const std::string& ledger_topic) {
  return "kafka-actors-migrations:" + ledger_topic;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

caf::error txn_failure(const char* step, rd_kafka_error_t* e) {
  auto code = rd_kafka_error_code(e);
  std::string text = rd_kafka_error_string(e);
  if (code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED
      || code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
    return make_error(errc::kafka_error,
                      std::string{"another 'migrate apply' started and took over ("} + step
                        + ": " + text + "); nothing more is recorded by this run: see "
                        "'kafka-actors migrate status'");
  if (code == RD_KAFKA_RESP_ERR__TIMED_OUT)
    return make_error(errc::timeout, std::string{step} + ": " + text);
  return make_error(errc::kafka_error, std::string{step} + ": " + text);
}

std::vector<std::string> topics_of(const migration& m) {
  std::vector<std::string> out;
  for (auto& op : m.ops)
    out.push_back(op.topic);
  return out;
}

} // namespace

migration_runner::migration_runner(kafka_config cfg, admin_client admin,
                                   std::vector<migration> on_disk, std::string ledger_topic)
  : cfg_(std::move(cfg)),
    admin_(std::move(admin)),
    on_disk_(std::move(on_disk)),
    ledger_topic_(std::move(ledger_topic)) {
}

caf::expected<migration_runner> migration_runner::open(const kafka_config& cfg,
                                                       const std::string& dir,
                                                       std::string ledger_topic) {
  auto on_disk = load_migrations(dir);
  if (!on_disk)
    return on_disk.error();
  auto admin = admin_client::connect(cfg);
  if (!admin)
    return admin.error();
  return migration_runner{cfg, std::move(*admin), std::move(*on_disk), std::move(ledger_topic)};
}

caf::expected<std::map<int64_t, applied_migration>> migration_runner::read_ledger() {
  auto d = admin_.describe_topic(ledger_topic_);
  if (!d) {
    if (code_of(d.error()) == errc::invalid_topic)
      return std::map<int64_t, applied_migration>{};
    return d.error();
  }
  auto props = cfg_.admin_config();
  props["bootstrap.servers"] = cfg_.bootstrap_servers;
  props["group.id"] = "kafka-actors-migrations-reader"; // assign() only: never joins
  props["enable.auto.commit"] = "false";
  props["enable.partition.eof"] = "true";
  // An apply records each version in a transaction: only what committed counts.
  props["isolation.level"] = "read_committed";
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto consumer = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!consumer)
    return consumer.error();
  auto timeout = static_cast<int>(cfg_.connect_timeout.count());
  tpl_ptr parts{rd_kafka_topic_partition_list_new(static_cast<int>(d->partitions.size()))};
  std::set<int32_t> open;
  for (auto& p : d->partitions) {
    int64_t low = 0, high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(consumer->get(), ledger_topic_.c_str(),
                                                    p.id, &low, &high, timeout))
      return make_error(errc::kafka_error, "reading the migration ledger '" + ledger_topic_
                                             + "': " + rd_error_text(err));
    if (high > low) {
      rd_kafka_topic_partition_list_add(parts.get(), ledger_topic_.c_str(), p.id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
      open.insert(p.id);
    }
  }
  std::vector<std::pair<std::string, std::string>> records;
  if (!open.empty()) {
    if (auto err = rd_kafka_assign(consumer->get(), parts.get()))
      return make_error(errc::kafka_error, "reading the migration ledger: " + rd_error_text(err));
    // An open transaction of a running apply holds the end back (read_committed) until it
    // commits or aborts: wait for that, within bounds.
    auto deadline = std::chrono::steady_clock::now() + 3 * cfg_.connect_timeout;
    while (!open.empty()) {
      if (std::chrono::steady_clock::now() > deadline)
        return make_error(errc::timeout, "reading the migration ledger '" + ledger_topic_
                                           + "': no end within "
                                           + std::to_string(3 * cfg_.connect_timeout.count())
                                           + " ms (a transaction of another apply open?)");
      message_ptr msg{rd_kafka_consumer_poll(consumer->get(), 200)};
      if (!msg)
        continue;
      if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        open.erase(msg->partition);
        continue;
      }
      if (msg->err)
        return make_error(errc::kafka_error, "reading the migration ledger '" + ledger_topic_
                                               + "': " + rd_kafka_message_errstr(msg.get()));
      std::string key{static_cast<const char*>(msg->key), msg->key_len};
      std::string value = msg->payload
                            ? std::string{static_cast<const char*>(msg->payload), msg->len}
                            : std::string{};
      records.emplace_back(std::move(key), std::move(value));
    }
  }
  rd_kafka_consumer_close(consumer->get());
  auto folded = fold_applied(records);
  if (!folded)
    return make_error(errc::invalid_config, "migration ledger '" + ledger_topic_
                                              + "': " + describe(folded.error()));
  return folded;
}

caf::error migration_runner::ensure_ledger_topic() {
  auto replication = static_cast<int16_t>(std::min<int32_t>(3, admin_.broker_count()));
  auto err = admin_.create_topic(
    {ledger_topic_, 1, replication, {{"cleanup.policy", "compact"}}});
  if (err && code_of(err) != errc::topic_already_exists)
    return err;
  return caf::none;
}

caf::expected<migration_status> migration_runner::status() {
  auto ledger = read_ledger();
  if (!ledger)
    return ledger.error();
  return compare(on_disk_, *ledger);
}

caf::expected<migration_plan> migration_runner::plan() {
  auto st = status();
  if (!st)
    return st.error();
  if (!st->ok())
    return make_error(errc::invalid_config, st->problem);
  std::vector<std::string> topics;
  for (auto i : st->pending)
    for (auto& t : topics_of(on_disk_[i]))
      topics.push_back(t);
  auto state = cluster_state(admin_, topics);
  if (!state)
    return state.error();
  migration_plan out;
  for (auto i : st->pending) {
    auto& m = on_disk_[i];
    auto ops = plan_ops(m, *state);
    for (auto& op : ops)
      apply_effect(*state, op);
    out.steps.push_back({m, std::move(ops)});
  }
  return out;
}

caf::expected<std::vector<int64_t>>
migration_runner::apply(std::function<void(const std::string&)> progress) {
  if (auto err = ensure_ledger_topic())
    return err;
  auto props = cfg_.admin_config();
  props["bootstrap.servers"] = cfg_.bootstrap_servers;
  props["transactional.id"] = transactional_id(ledger_topic_);
  props["enable.idempotence"] = "true";
  props["acks"] = "all";
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto producer = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!producer)
    return producer.error();
  auto rk = producer->get();
  // The first transaction on a cluster waits for the broker to create __transaction_state
  // (50 partitions): longer than a metadata round trip.
  auto timeout = static_cast<int>(
    std::max<int64_t>(3 * cfg_.connect_timeout.count(), 60000));
  // Fences any apply still running with the same transactional.id (and aborts its open
  // transaction) before this run reads what is committed.
  if (txn_error_ptr e{rd_kafka_init_transactions(rk, timeout)})
    return txn_failure("starting the ledger transaction", e.get());
  auto st = status();
  if (!st)
    return st.error();
  if (!st->ok())
    return make_error(errc::invalid_config, st->problem);
  std::vector<int64_t> recorded;
  for (auto i : st->pending) {
    auto& m = on_disk_[i];
    auto file = m.path.substr(m.path.find_last_of('/') + 1);
    auto state = cluster_state(admin_, topics_of(m));
    if (!state)
      return state.error();
    auto ops = plan_ops(m, *state);
    for (size_t k = 0; k < ops.size(); ++k) {
      progress(file + ": " + describe(ops[k]));
      if (auto err = execute(admin_, ops[k]))
        return make_error(code_of(err) == errc::none ? errc::kafka_error : code_of(err),
                          file + ": " + describe(ops[k]) + " failed: " + describe(err)
                            + "; v" + std::to_string(m.version)
                            + " is not recorded: fix the file or the cluster and re-run "
                              "(what ran is skipped)");
    }
    if (txn_error_ptr e{rd_kafka_begin_transaction(rk)})
      return txn_failure("recording the migration", e.get());
    auto key = migration_key(m.version);
    auto value = encode(applied_migration{m.version, m.name, m.checksum, now_ms()});
    auto err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(ledger_topic_.c_str()),
                                 RD_KAFKA_V_KEY(key.data(), key.size()),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err) {
      txn_error_ptr ignored{rd_kafka_abort_transaction(rk, timeout)};
      return make_error(errc::kafka_error, "recording " + file + ": " + rd_error_text(err));
    }
    if (txn_error_ptr e{rd_kafka_commit_transaction(rk, timeout)}) {
      auto failure = txn_failure(("recording " + file).c_str(), e.get());
      if (rd_kafka_error_txn_requires_abort(e.get()))
        txn_error_ptr ignored{rd_kafka_abort_transaction(rk, timeout)};
      return failure;
    }
    recorded.push_back(m.version);
    progress(file + ": recorded as applied");
  }
  return recorded;
}

} // namespace kafka_actors
