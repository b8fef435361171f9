#include "recorder/store/container_writer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "recorder/store/entity_writer.hpp"
#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {
namespace {

std::optional<std::string> label(const ContainerSample& container, std::string_view key) {
  for (const auto& [name, value] : container.labels) {
    if (name == key) return value;
  }
  return std::nullopt;
}

// A host's containers (one engine: docker); their run state is the mutable fact.
struct ContainerEntity {
  using Sample = ContainerSample;
  using Key = std::string;
  struct Open {
    int64_t row = 0;
    std::string state;
    std::optional<int64_t> started_at_us;
    std::optional<int64_t> finished_at_us;
    std::optional<int64_t> exit_code;
    std::optional<int64_t> init_pid;
  };
  struct RunState {
    static constexpr const char* table = "container_changes";
    static constexpr const char* columns = "state, started_at_us, finished_at_us, exit_code, init_pid";
    static auto of(auto& x) { return std::tie(x.state, x.started_at_us, x.finished_at_us, x.exit_code, x.init_pid); }
  };
  static constexpr EntityTable table{"containers", "container_row", "host_id"};
  static constexpr const char* insert_columns =
      "engine, container_id, name, image, command, created_at_us, labels, compose_project, compose_service,"
      " testcontainers_session, state, status, started_at_us, finished_at_us, exit_code, init_pid";
  static constexpr std::tuple<RunState> facts{};

  static std::string open_rows() { return open_rows_with_latest<RunState>(table, "container_id"); }
  static Key read_open(SQLite::Statement& row, Open& open) {
    open.row = row.getColumn(0).getInt64();
    read_columns(row, 2, RunState::of(open));
    return row.getColumn(1).getString();
  }
  static const Key& key_of(const ContainerSample& container) { return container.id; }
  static int64_t insert(NewRow<ContainerEntity>& row, const ContainerSample& c) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [key, value] : c.labels) labels[key] = value;
    return row.insert("docker", c.id, c.name, c.image, c.command, c.created_at_us, labels.dump(),
                      label(c, "com.docker.compose.project"), label(c, "com.docker.compose.service"),
                      label(c, "org.testcontainers.sessionId"), c.state, c.status, c.started_at_us, c.finished_at_us,
                      c.exit_code, c.init_pid);
  }
};

void insert_collection_row(SQLite::Database& db, int64_t snapshot_id, const ContainerCounts& counts) {
  SQLite::Statement insert(db, insert_sql("container_collections",
      "snapshot_id, source, containers_seen, containers_new, containers_gone, containers_changed"));
  const auto& containers = counts.containers;
  exec_with(insert, snapshot_id, counts.source, count_of(containers, &EntityCounts::seen),
            count_of(containers, &EntityCounts::created), count_of(containers, &EntityCounts::gone),
            count_of(containers, &EntityCounts::changed));
}

}  // namespace

ContainerCounts write_containers(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const ProcessTable& table) {
  ContainerCounts counts;
  if (table.containers_source.empty()) return counts;  // the engine was not asked
  counts.source = table.containers_source;
  if (table.containers) {
    ContainerEntity containers;
    EntityWriter(db, snapshot_id, containers).write(host_id, *table.containers, counts.containers.emplace());
  }
  insert_collection_row(db, snapshot_id, counts);
  return counts;
}

}  // namespace proctrail::detail
