#include "recorder/store/container_writer.hpp"

#include <unordered_map>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {
namespace {

struct OpenContainer {
  int64_t row = 0;
  std::string state;
  std::optional<int64_t> started_at_us;
  std::optional<int64_t> finished_at_us;
  std::optional<int64_t> exit_code;
  std::optional<int64_t> init_pid;
  bool seen = false;
};

std::optional<std::string> label(const ContainerSample& container, std::string_view key) {
  for (const auto& [name, value] : container.labels) {
    if (name == key) return value;
  }
  return std::nullopt;
}

class ContainerWriter {
 public:
  ContainerWriter(SQLite::Database& db, int64_t host_id, int64_t snapshot_id)
      : db_(db), host_id_(host_id), snapshot_id_(snapshot_id),
        insert_(db, "INSERT INTO containers (host_id, engine, container_id, name, image, command, created_at_us, labels,"
                    " compose_project, compose_service, testcontainers_session, state, status, started_at_us,"
                    " finished_at_us, exit_code, init_pid, first_seen)"
                    " VALUES (?1, 'docker', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"),
        change_(db, "INSERT INTO container_changes (container_row, snapshot_id, state, started_at_us, finished_at_us,"
                    " exit_code, init_pid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        close_(db, "UPDATE containers SET gone_by = ?1 WHERE container_row = ?2") {}

  void write(const std::vector<ContainerSample>& containers, ContainerCounts& counts) {
    auto open = load_open();
    counts.seen = static_cast<int64_t>(containers.size());
    for (const auto& container : containers) {
      auto found = open.find(container.id);
      if (found == open.end()) {
        insert(container);
        ++counts.created;
        continue;
      }
      found->second.seen = true;
      if (changed(found->second, container)) {
        write_change(found->second.row, container);
        ++counts.changed;
      }
    }
    for (const auto& [id, container] : open) {
      if (container.seen) continue;
      exec_with(close_, snapshot_id_, container.row);
      ++counts.gone;
    }
  }

 private:
  // Open containers with their latest run state (the newest change row, else the row itself).
  std::unordered_map<std::string, OpenContainer> load_open() {
    std::unordered_map<std::string, OpenContainer> open;
    SQLite::Statement query(db_,
        "SELECT k.container_row, k.container_id,"
        " CASE WHEN c.container_row IS NULL THEN k.state ELSE c.state END,"
        " CASE WHEN c.container_row IS NULL THEN k.started_at_us ELSE c.started_at_us END,"
        " CASE WHEN c.container_row IS NULL THEN k.finished_at_us ELSE c.finished_at_us END,"
        " CASE WHEN c.container_row IS NULL THEN k.exit_code ELSE c.exit_code END,"
        " CASE WHEN c.container_row IS NULL THEN k.init_pid ELSE c.init_pid END"
        " FROM containers k LEFT JOIN container_changes c ON c.container_row = k.container_row"
        "  AND c.snapshot_id = (SELECT max(snapshot_id) FROM container_changes WHERE container_row = k.container_row)"
        " WHERE k.host_id = ?1 AND k.gone_by IS NULL");
    query.bind(1, host_id_);
    while (query.executeStep()) {
      OpenContainer container;
      container.row = query.getColumn(0).getInt64();
      container.state = query.getColumn(2).getString();
      container.started_at_us = column_optional<int64_t>(query.getColumn(3));
      container.finished_at_us = column_optional<int64_t>(query.getColumn(4));
      container.exit_code = column_optional<int64_t>(query.getColumn(5));
      container.init_pid = column_optional<int64_t>(query.getColumn(6));
      open.emplace(query.getColumn(1).getString(), std::move(container));
    }
    return open;
  }

  static bool changed(const OpenContainer& last, const ContainerSample& now) {
    std::optional<int64_t> init_pid;
    if (now.init_pid) init_pid = *now.init_pid;
    return last.state != now.state || last.started_at_us != now.started_at_us ||
           last.finished_at_us != now.finished_at_us || last.exit_code != now.exit_code || last.init_pid != init_pid;
  }

  void insert(const ContainerSample& container) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [key, value] : container.labels) labels[key] = value;
    auto& s = insert_;
    s.reset();
    s.bind(1, host_id_);
    s.bind(2, container.id);
    s.bind(3, container.name);
    s.bind(4, container.image);
    s.bind(5, container.command);
    s.bind(6, container.created_at_us);
    s.bind(7, labels.dump());
    bind_optional(s, 8, label(container, "com.docker.compose.project"));
    bind_optional(s, 9, label(container, "com.docker.compose.service"));
    bind_optional(s, 10, label(container, "org.testcontainers.sessionId"));
    s.bind(11, container.state);
    s.bind(12, container.status);
    bind_optional(s, 13, container.started_at_us);
    bind_optional(s, 14, container.finished_at_us);
    bind_optional(s, 15, container.exit_code);
    bind_optional(s, 16, container.init_pid);
    s.bind(17, snapshot_id_);
    s.exec();
  }

  void write_change(int64_t row, const ContainerSample& container) {
    auto& s = change_;
    s.reset();
    s.bind(1, row);
    s.bind(2, snapshot_id_);
    s.bind(3, container.state);
    bind_optional(s, 4, container.started_at_us);
    bind_optional(s, 5, container.finished_at_us);
    bind_optional(s, 6, container.exit_code);
    bind_optional(s, 7, container.init_pid);
    s.exec();
  }

  SQLite::Database& db_;
  int64_t host_id_;
  int64_t snapshot_id_;
  SQLite::Statement insert_;
  SQLite::Statement change_;
  SQLite::Statement close_;
};

void insert_collection_row(SQLite::Database& db, int64_t snapshot_id, const ContainerCounts& counts) {
  SQLite::Statement insert(db,
      "INSERT INTO container_collections (snapshot_id, source, containers_seen, containers_new, containers_gone,"
      " containers_changed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  insert.bind(1, snapshot_id);
  insert.bind(2, counts.source);
  bind_optional(insert, 3, counts.seen);
  if (counts.seen) {
    insert.bind(4, counts.created);
    insert.bind(5, counts.gone);
    insert.bind(6, counts.changed);
  }
  insert.exec();
}

}  // namespace

ContainerCounts write_containers(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const ProcessTable& table) {
  ContainerCounts counts;
  if (table.containers_source.empty()) return counts;  // the engine was not asked
  counts.source = table.containers_source;
  if (table.containers) ContainerWriter(db, host_id, snapshot_id).write(*table.containers, counts);
  insert_collection_row(db, snapshot_id, counts);
  return counts;
}

}  // namespace proctrail::detail
