// `kafka-actors produce`: stdin lines as records, in kcat's habits.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <librdkafka/rdkafka.h>

#include "kafka_actors/kafka_actors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "tools/cli.hpp"
#include "tools/line_format.hpp"

namespace kafka_actors::cli {

namespace {

const char* produce_usage = R"(usage: kafka-actors produce -t TOPIC [options] < lines
  -b BROKERS       bootstrap servers (default: embedded mock cluster, gone at exit)
  -t TOPIC         topic to produce to (required)
  -K DELIM         split each line into key DELIM value at the first DELIM
  -H NAME=VALUE    add a header to every record (repeatable)
  -p PARTITION     produce to this partition (default: the partitioner chooses)
  --config FILE    kafka-actors JSON config
  -d, --debug      show librdkafka's own log lines on stderr
Each stdin line is one record. Exits 1 if any record failed; each failure names its line.
)";

constexpr size_t batch_size = 500;

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

// Appends the last librdkafka error line, which names the real cause (a failed SASL
// handshake, a refused connection) where our own error can only say "no answer".
int report_with_cause(const caf::error& err) {
  auto text = describe(err);
  auto cause = last_librdkafka_error();
  if (!cause.empty())
    text += "; librdkafka: " + cause;
  std::cerr << "kafka-actors produce: " << text << "\n";
  return 1;
}

// Asks the brokers about `topic` with a short-lived client of the same configuration, so a
// missing topic fails at once with one message instead of one error per record after
// message.timeout.ms. Brokers that auto-create topics create it here, as a produce would.
caf::error check_topic(const kafka_config& cfg, const std::string& topic, int32_t partition) {
  auto props = cfg.producer_config();
  props["bootstrap.servers"] = cfg.bootstrap_servers;
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk)
    return rk.error();
  auto rkt = rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr);
  if (!rkt)
    return make_error(errc::invalid_topic, "topic '" + topic + "': "
                                             + rd_error_text(rd_kafka_last_error()));
  const rd_kafka_metadata_t* md = nullptr;
  auto err = rd_kafka_metadata(rk->get(), 0, rkt, &md, 10000);
  caf::error out;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || !md) {
    out = make_error(errc::broker_unreachable, "no metadata for topic '" + topic + "' from "
                                                 + cfg.bootstrap_servers + " within 10000 ms ("
                                                 + rd_error_text(err) + ")");
  } else if (md->topic_cnt == 1) {
    auto terr = md->topics[0].err;
    if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || terr == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
        || terr == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
        || terr == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION)
      out = make_error(errc::invalid_topic,
                       "line 1: topic '" + topic + "' "
                         + (terr == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
                              ? std::string{"may not be written"}
                              : std::string{"does not exist"})
                         + " on " + cfg.bootstrap_servers + ": " + rd_error_text(terr)
                         + "; nothing was sent");
    else if (partition >= md->topics[0].partition_cnt)
      out = make_error(errc::invalid_argument,
                       "-p " + std::to_string(partition) + ": topic '" + topic + "' has "
                         + std::to_string(md->topics[0].partition_cnt) + " partitions (0.."
                         + std::to_string(md->topics[0].partition_cnt - 1)
                         + "); nothing was sent");
  }
  if (md)
    rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  return out;
}

} // namespace

int produce(const std::vector<std::string>& argv) {
  args a{argv, {{"-h", "-d"}, {"-b", "-t", "-K", "-p", "--config"}, {"-H"}, {}}};
  if (a.has("-h")) {
    std::cout << produce_usage;
    return 0;
  }
  if (!a.has("-t"))
    throw usage_error("missing -t TOPIC");
  auto topic = a.get("-t");
  if (auto err = validate_topic_name(topic))
    return report("produce", err);
  headers hdrs;
  for (auto& h : a.all("-H")) {
    auto header = parse_header_arg(h);
    if (!header)
      throw usage_error("-H needs NAME=VALUE, got '" + h + "'");
    hdrs.push_back(std::move(*header));
  }
  auto delim = a.get("-K");
  // -1 is "any" (the partitioner chooses); past int32 the value would wrap to another one.
  auto partition = static_cast<int32_t>(
    a.number("-p", any_partition, any_partition, std::numeric_limits<int32_t>::max()));
  // Only an absent -b means the embedded cluster: an empty one is a mistake (e.g. an unset
  // shell variable), and the records would vanish with the embedded cluster at exit.
  if (a.has("-b") && blank(a.get("-b")))
    return report("produce", make_error(errc::invalid_config,
                                        "empty bootstrap servers (-b ''): name the brokers, "
                                        "or leave -b out for the embedded cluster"));
  if (auto env = std::getenv("KAFKA_ACTORS_BOOTSTRAP_SERVERS"); env && !a.has("-b") && blank(env))
    return report("produce",
                  make_error(errc::invalid_config,
                             "empty bootstrap servers: variable KAFKA_ACTORS_BOOTSTRAP_SERVERS "
                             "is set but empty (unset it to use the embedded cluster)"));
  set_librdkafka_log(a.has("-d") || a.has("--debug"));
  auto cfg = load_config(a);
  if (!cfg)
    return report("produce", cfg.error());
  session s;
  auto service = spawn_kafka_service(s.sys, *cfg);
  if (!service)
    return report("produce", service.error());
  caf::scoped_actor self{s.sys};
  int rc = 0;
  self->request(*service, call_timeout, ping_atom_v)
    .receive([](int32_t) {}, [&](caf::error& err) { rc = report_with_cause(err); });
  if (rc == 0 && !cfg->is_embedded())
    if (auto err = check_topic(*cfg, topic, partition))
      rc = code_of(err) == errc::broker_unreachable ? report_with_cause(err)
                                                    : report("produce", err);
  // The embedded cluster lives as long as this command: its topic has the 3 partitions made
  // here.
  constexpr int32_t embedded_partitions = 3;
  if (rc == 0 && cfg->is_embedded() && partition >= embedded_partitions)
    rc = report("produce", make_error(errc::invalid_argument,
                                      "-p " + std::to_string(partition) + ": the embedded "
                                      "cluster's topic has 3 partitions (0..2); nothing was sent"));
  if (rc == 0 && cfg->is_embedded())
    self->request(*service, call_timeout, create_topic_atom_v,
                  topic_config{topic, embedded_partitions, 1, {}})
      .receive([](bool) {}, [](caf::error&) {});
  uint64_t line_no = 0, ok = 0, failed = 0;
  auto flush = [&](message_batch& batch, uint64_t first_line) {
    if (batch.empty())
      return;
    self->request(*service, call_timeout, send_atom_v, std::move(batch))
      .receive(
        [&](batch_report& rep) {
          for (size_t i = 0; i < rep.results.size(); ++i) {
            if (rep.results[i].ok()) {
              ++ok;
            } else {
              ++failed;
              std::cerr << "kafka-actors produce: line " << first_line + i << ": "
                        << rep.results[i].error << "\n";
            }
          }
        },
        [&](caf::error& err) {
          failed += 1;
          report_with_cause(err);
        });
    batch = {};
  };
  message_batch batch;
  uint64_t batch_first_line = 1;
  std::string line;
  while (rc == 0 && std::getline(std::cin, line)) {
    ++line_no;
    message m;
    m.topic = topic;
    m.partition = partition;
    m.metadata = hdrs;
    auto kv = split_key(std::move(line), delim);
    m.key = std::move(kv.key);
    m.content = std::move(kv.value);
    if (batch.empty())
      batch_first_line = line_no;
    batch.push_back(std::move(m));
    if (batch.size() >= batch_size)
      flush(batch, batch_first_line);
  }
  flush(batch, batch_first_line);
  self->request(*service, call_timeout, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  if (rc == 0)
    std::cerr << "kafka-actors produce: " << ok << " records delivered to '" << topic << "', "
              << failed << " failed\n";
  return rc != 0 ? rc : (failed > 0 ? 1 : 0);
}

} // namespace kafka_actors::cli
