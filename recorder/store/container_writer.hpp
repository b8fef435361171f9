#pragma once
// Writes container rows for one snapshot, inside the store's write transaction. Same rules as
// processes: a row at first sight, change rows for state changes, closed by the first snapshot whose
// engine no longer lists it. An engine that could not be asked closes nothing (unread is not gone).
#include <cstdint>
#include <optional>
#include <string>

#include "proctrail/process.hpp"
#include "recorder/store/entity_writer.hpp"

namespace SQLite {
class Database;
}

namespace proctrail::detail {

struct ContainerCounts {
  std::optional<EntityCounts> containers;  // nullopt: not asked, or unavailable
  std::string source;
};

ContainerCounts write_containers(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const ProcessTable& table);

}  // namespace proctrail::detail
