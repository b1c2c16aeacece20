// The admin actor's Admin API messages: on the real broker they do what admin_client does;
// on the embedded cluster they fail with a clear error instead of hanging.

#include <random>

#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/actors/admin.hpp"
#include "kafka_actors/runtime/embedded_cluster.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/system_config.hpp"
#include "support/real_broker.hpp"

using namespace kafka_actors;

namespace {

template <class T, class... Ts>
caf::expected<T> ask(caf::scoped_actor& self, const admin_actor& admin, Ts&&... xs) {
  caf::expected<T> out{caf::error{}};
  self->request(admin, std::chrono::seconds{60}, std::forward<Ts>(xs)...)
    .receive([&](T& x) { out = std::move(x); }, [&](caf::error& err) { out = std::move(err); });
  return out;
}

struct admin_actor_test : test::on_real_broker<::testing::Test> {};

} // namespace

TEST_F(admin_actor_test, topics_and_groups_through_messages) {
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto cfg = kafka_config::remote(bootstrap);
  auto admin = spawn_admin(sys, cfg, nullptr);
  ASSERT_TRUE(admin) << describe(admin.error());
  caf::scoped_actor self{sys};
  auto topic = "admin-actor-" + std::to_string(std::random_device{}() % 1000000000);
  ASSERT_TRUE(ask<bool>(self, *admin, create_topic_atom_v, topic_config{topic, 2, 1, {}}));
  auto names = ask<std::vector<std::string>>(self, *admin, list_topics_atom_v, false);
  ASSERT_TRUE(names) << describe(names.error());
  EXPECT_NE(std::find(names->begin(), names->end(), topic), names->end());
  ASSERT_TRUE(ask<bool>(self, *admin, add_partitions_atom_v, topic, int32_t{3}));
  ASSERT_TRUE(ask<bool>(self, *admin, alter_configs_atom_v, topic,
                        std::map<std::string, std::string>{{"retention.ms", "3600000"}}));
  auto d = ask<topic_description>(self, *admin, describe_topic_atom_v, topic);
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->partitions.size(), 3u);
  EXPECT_EQ(d->configs["retention.ms"], "3600000");
  auto g = ask<group_description>(self, *admin, describe_group_atom_v,
                                  std::string{"no-such-group-" + topic});
  ASSERT_TRUE(g) << describe(g.error());
  EXPECT_TRUE(g->members.empty());
  ASSERT_TRUE(ask<bool>(self, *admin, delete_topic_atom_v, topic));
  auto gone = ask<topic_description>(self, *admin, describe_topic_atom_v, topic);
  ASSERT_FALSE(gone);
  EXPECT_EQ(code_of(gone.error()), errc::invalid_topic) << describe(gone.error());
  self->send(*admin, stop_atom_v);
}

TEST(admin_actor_embedded, admin_api_messages_fail_clearly_on_the_embedded_cluster) {
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto cluster = embedded_cluster::start(1);
  ASSERT_TRUE(cluster) << describe(cluster.error());
  // As KafkaService spawns it on the embedded default: the cluster's address and the cluster.
  auto admin = spawn_admin(sys, kafka_config::remote((*cluster)->bootstrap_servers()), *cluster);
  ASSERT_TRUE(admin);
  caf::scoped_actor self{sys};
  // Topic creation works there (the mock's own API) ...
  ASSERT_TRUE(ask<bool>(self, *admin, create_topic_atom_v, topic_config{"t", 1, 1, {}}));
  // ... the rest of the Admin API fails at once, saying why.
  auto names = ask<std::vector<std::string>>(self, *admin, list_topics_atom_v, false);
  ASSERT_FALSE(names);
  EXPECT_EQ(code_of(names.error()), errc::invalid_config);
  EXPECT_NE(describe(names.error()).find("needs a broker"), std::string::npos)
    << describe(names.error());
  self->send(*admin, stop_atom_v);
}
