#pragma once
// Retention: Store::prune drops whole old ranges of the trail (see the notes in recorder/store/prune.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace proctrail {

struct PruneOptions {
  int64_t cut_us = 0;        // unix µs: content of snapshots started before it is old
  bool keep_tagged = false;  // protect every tagged snapshot too
  bool dry_run = false;      // count what would go; write nothing
};

// Rows deleted (or, in a dry run, that would be) from one table.
struct PrunedTable {
  std::string table;
  int64_t rows = 0;
};

struct PruneReport {
  int64_t prune_id = 0;  // the prunes row; 0 for a dry run or when there was nothing to prune
  int64_t cut_us = 0;
  std::vector<PrunedTable> deleted;   // every table prune deletes from, in a fixed order, zeros included
  int64_t ancestors_kept = 0;         // closed processes before the cut kept as ancestors of kept ones
  int64_t spawn_counts_rekeyed = 0;   // spawn_counts rows moved to minus the pruned parent's pid
  int64_t protected_snapshots = 0;    // snapshots before the cut whose entities were kept
  int64_t snapshots_affected = 0;     // snapshots whose content changed: verify checks their link only
  std::optional<int64_t> first_snapshot_id, last_snapshot_id;  // the range they span
  int64_t rows_deleted() const;
  bool nothing_to_prune() const { return rows_deleted() == 0; }
  int64_t rows(const std::string& table) const;
};

struct VacuumReport {
  int64_t bytes_before = 0;  // database size before VACUUM (pages × page size)
  int64_t bytes_after = 0;
  int64_t bytes_freed() const { return bytes_before - bytes_after; }
};

}  // namespace proctrail
