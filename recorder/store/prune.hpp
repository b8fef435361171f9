#pragma once
// The store's retention (Store::prune, Store::vacuum) and what verify needs to know of past prunes.
// These throw SQLite::Exception; the Store turns it into one-line Errors.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/logging.hpp"
#include "proctrail/prune.hpp"

namespace proctrail::detail {

// The whole prune in one transaction (a read transaction, rolled back, for a dry run).
PruneReport prune_trail(SQLite::Database& db, const PruneOptions& options, const Logger& logger);

// VACUUM and a truncating checkpoint; sizes before and after.
VacuumReport vacuum_trail(SQLite::Database& db);

// A run of event batches a prune deleted, with the hashes on either side of it.
struct EventHole {
  int64_t first_batch_id = 0;
  int64_t last_batch_id = 0;
  std::optional<std::string> first_prev_hash;
  std::string last_hash;
};

// What verify takes from the prune records (read only once their own chain verified).
struct PruneMarks {
  std::unordered_map<int64_t, std::string> pruned;  // snapshot → hash of the content its newest prune left
  std::vector<EventHole> event_holes;     // ascending, disjoint
};
PruneMarks load_prune_marks(SQLite::Database& db);

struct PruneAnchorBreak {
  int64_t prune_id = 0;
  std::string problem;
};
// Each prune's recorded boundary and head hashes must still be those snapshots' stored hashes.
std::optional<PruneAnchorBreak> check_prune_anchors(SQLite::Database& db);

}  // namespace proctrail::detail
