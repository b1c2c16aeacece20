#pragma once

// Versioned migrations against a cluster: the ledger lives in a compacted topic, and an apply
// records each version in a Kafka transaction of a transactional.id fixed per ledger. A second apply
// that starts while one runs fences the first (InitProducerId bumps the epoch): the first
// can no longer record anything, so no version is recorded twice, and the second re-plans
// from what is committed. Ops are idempotent (plan_ops skips what is done), so an op the
// fenced run already carried out is skipped, not repeated.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/admin_client.hpp"
#include "kafka_actors/topology/migration.hpp"
#include "kafka_actors/topology/migration_ledger.hpp"
#include "kafka_actors/topology/migration_status.hpp"
#include "kafka_actors/topology/topic_op.hpp"

namespace kafka_actors {

inline const std::string default_ledger_topic = "__kafka_actors_migrations";

struct migration_plan {
  struct step {
    migration m;
    /// What applying m would change now (after the steps before it); empty when the cluster
    /// already is as m leaves it (it is still recorded).
    std::vector<topic_op> ops;
  };
  std::vector<step> steps;
  bool empty() const {
    return steps.empty();
  }
};

class migration_runner {
public:
  /// Loads the migrations in `dir` and connects. Nothing is created until apply.
  static caf::expected<migration_runner> open(const kafka_config& cfg, const std::string& dir,
                                              std::string ledger_topic = default_ledger_topic);

  /// The files against the committed ledger.
  caf::expected<migration_status> status();

  /// What apply would do; errors when status() has a problem.
  caf::expected<migration_plan> plan();

  /// Applies pending migrations in order, recording each after its ops succeeded; stops at
  /// the first failure (errors name the file, the op and the broker's words; what ran before
  /// stays recorded). `progress` hears one line per op and per recorded version. Returns the
  /// versions it recorded.
  caf::expected<std::vector<int64_t>> apply(std::function<void(const std::string&)> progress);

  const std::vector<migration>& on_disk() const {
    return on_disk_;
  }
  admin_client& admin() {
    return admin_;
  }

private:
  migration_runner(kafka_config cfg, admin_client admin, std::vector<migration> on_disk,
                   std::string ledger_topic);

  /// Every committed record of the ledger topic, folded; {} when the topic does not exist.
  caf::expected<std::map<int64_t, applied_migration>> read_ledger();
  caf::error ensure_ledger_topic();

  kafka_config cfg_;
  admin_client admin_;
  std::vector<migration> on_disk_;
  std::string ledger_topic_;
};

} // namespace kafka_actors
