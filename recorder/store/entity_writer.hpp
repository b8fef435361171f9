#pragma once
// The one way the store writes an entity (design notes 2 and 4 in recorder/store/store.cpp).
//
// For one owner (a host, or a process for its descriptors) and one snapshot: the owner's open rows
// are loaded; a sample not among them is inserted with first_seen = this snapshot; for a sample
// among them, each mutable fact whose value differs from its latest recorded one gets a change row;
// an open row the snapshot did not see is closed (gone_by = this snapshot), unless the entity says
// it was unread rather than gone. The statements are prepared once per writer and reused per row.
//
// An entity is a declaration, not another loop:
//   struct Entity {
//     using Sample = ...;  using Key = ...;             // (and KeyHash, when std::hash<Key> will not do)
//     struct Open { int64_t row = 0; ... };             // an open row: its id and its facts' latest values
//     static constexpr EntityTable table{"sockets", "socket_id", "host_id"};
//     static constexpr const char* insert_columns = "...";  // besides the owner and first_seen
//     static constexpr std::tuple<Fact...> facts{};     // its mutable facts, in the order they are written
//     static std::string open_rows();                   // row id first; ?1 is the owner
//     static Key read_open(SQLite::Statement& row, Open& open);  // reads one into `open`
//     static Key key_of(const Sample&);
//     static int64_t insert(NewRow<Entity>& row, const Sample&);  // row.insert(values of insert_columns)
//     bool unread(const Key&) const;                      // optional: keep this unseen row open
//     void order_new(std::vector<const Sample*>&) const;  // optional: the order new rows are inserted in
//     void matched(const Open&, const Sample&);           // optional: after a sample's change rows (a cache to keep)
//   };
//   struct Fact {                                       // one change table
//     static constexpr const char* table = "socket_changes";
//     static constexpr const char* columns = "state, peer_inode";  // besides the row id and snapshot_id
//     static auto of(auto& x) { return std::tie(x.state, x.peer_inode); }  // of a Sample and of an Open
//   };
// A change row is written when of(now) != of(last). A fact whose sample and open row differ in shape
// declares values(last, now) (its change row) and recorded(last) instead of of(); one whose rule is
// not equality declares differs(last, now). Members that need state (options, statements of its
// own) may be non-static: the writer holds the entity by reference.
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {

struct EntityTable {
  const char* name;
  const char* row_id;                 // its row id column, which change rows name
  const char* owner;                  // the column of whose rows one write diffs: host_id, or process_id
  const char* insert = "INSERT";      // "INSERT OR IGNORE": a closed identity seen again is not reopened
};

// What one write did, for the snapshot's counts.
struct EntityCounts {
  int64_t seen = 0;     // samples
  int64_t created = 0;  // rows first seen (inserted)
  int64_t changed = 0;  // change rows written
  int64_t gone = 0;     // open rows closed
  friend bool operator==(const EntityCounts&, const EntityCounts&) = default;
};

// One count of an entity that may not have been collected (nullopt: NULL in its collection row).
inline std::optional<int64_t> count_of(const std::optional<EntityCounts>& counts, int64_t EntityCounts::*count) {
  if (!counts) return std::nullopt;
  return (*counts).*count;
}

template <class Entity>
struct TrackedRow {
  typename Entity::Open open;
  bool seen = false;
};

template <class Entity>
struct KeyHashOf {
  using type = std::hash<typename Entity::Key>;
};
template <class Entity>
  requires requires { typename Entity::KeyHash; }
struct KeyHashOf<Entity> {
  using type = typename Entity::KeyHash;
};

template <class Entity>
using OpenRows = std::unordered_map<typename Entity::Key, TrackedRow<Entity>, typename KeyHashOf<Entity>::type>;

// A row about to be inserted: the owner's open rows (a parent may be among them) and the insert.
template <class Entity>
class NewRow {
 public:
  NewRow(PreparedInsert& statement, int64_t owner, int64_t snapshot_id, const OpenRows<Entity>& open)
      : open(open), statement_(statement), owner_(owner), snapshot_id_(snapshot_id) {}

  // Inserts the owner, first_seen and these values of Entity::insert_columns; the new row's id, or
  // 0 when it inserted nothing.
  template <class... Values>
  int64_t insert(const Values&... values) {
    return statement_.row(owner_, snapshot_id_, values...);
  }

  const OpenRows<Entity>& open;

 private:
  PreparedInsert& statement_;
  int64_t owner_;
  int64_t snapshot_id_;
};

// SELECT row id, key columns: the owner's (?1) open rows of an entity without mutable facts.
inline std::string open_rows_of(const EntityTable& table, std::string_view key_columns) {
  return std::string("SELECT ") + table.row_id + ", " + std::string(key_columns) + " FROM " + table.name + " WHERE " +
         table.owner + " = ?1 AND gone_by IS NULL";
}

// SELECT row id, key columns, fact columns: the owner's (?1) open rows, each fact column at its
// latest recorded value (the newest change row's, else the row's own). For facts of one change table.
template <class Fact>
std::string open_rows_with_latest(const EntityTable& table, std::string_view key_columns) {
  const std::string id = table.row_id;
  const std::string changes = Fact::table;
  std::string sql = "SELECT k." + id;
  for (auto column : split_columns(key_columns)) sql += ", k." + std::string(column);
  for (auto column : split_columns(Fact::columns)) {
    const std::string c(column);
    sql += ", CASE WHEN c." + id + " IS NULL THEN k." + c + " ELSE c." + c + " END";
  }
  return sql + " FROM " + table.name + " k LEFT JOIN " + changes + " c ON c." + id + " = k." + id +
         " AND c.snapshot_id = (SELECT max(snapshot_id) FROM " + changes + " WHERE " + id + " = k." + id + ")" +
         " WHERE k." + table.owner + " = ?1 AND k.gone_by IS NULL";
}

// An owner's open rows, as write() diffs against them, read by `query` (Entity::open_rows()).
template <class Entity>
OpenRows<Entity> load_open_rows(SQLite::Statement& query, int64_t owner) {
  OpenRows<Entity> open;
  query.reset();
  bind_row(query, owner);
  while (query.executeStep()) {
    TrackedRow<Entity> tracked;
    typename Entity::Key key = Entity::read_open(query, tracked.open);
    open.emplace(std::move(key), std::move(tracked));
  }
  return open;
}

// The same, read ahead of the write in the same transaction: when those rows also answer a question
// before the collection (the process rows hold the collector's hints), they are read once.
template <class Entity>
OpenRows<Entity> load_open_rows(SQLite::Database& db, int64_t owner) {
  SQLite::Statement query(db, Entity::open_rows());
  return load_open_rows<Entity>(query, owner);
}

template <class Entity>
class EntityWriter {
 public:
  using Sample = typename Entity::Sample;
  using Key = typename Entity::Key;
  using Open = typename Entity::Open;

  EntityWriter(SQLite::Database& db, int64_t snapshot_id, Entity& entity)
      : snapshot_id_(snapshot_id), entity_(entity), open_rows_(db, Entity::open_rows()),
        insert_(db, Entity::table.name, std::string(Entity::table.owner) + ", first_seen, " + Entity::insert_columns,
                Entity::table.insert),
        changes_(prepare_changes(db, std::make_index_sequence<kFacts>{})),
        close_(db, std::string("UPDATE ") + Entity::table.name + " SET gone_by = ?1 WHERE " + Entity::table.row_id + " = ?2") {}

  // Writes one owner's samples. Returns each sample's row, in their order (0: not written), valid
  // until the next call.
  const std::vector<int64_t>& write(int64_t owner, std::span<const Sample> samples, EntityCounts& counts) {
    return write(owner, samples, load_open_rows<Entity>(open_rows_, owner), counts);
  }

  // The same, against the owner's open rows as read earlier in this transaction (load_open_rows).
  const std::vector<int64_t>& write(int64_t owner, std::span<const Sample> samples, OpenRows<Entity> open,
                                    EntityCounts& counts) {
    rows_.assign(samples.size(), 0);
    new_.clear();
    for (const Sample& sample : samples) {
      if (open.empty()) {  // a new owner, or none of its rows open: nothing to look up
        new_.push_back(&sample);
        continue;
      }
      auto found = open.find(Entity::key_of(sample));
      if (found == open.end()) {
        new_.push_back(&sample);
        continue;
      }
      found->second.seen = true;
      rows_[static_cast<size_t>(&sample - samples.data())] = found->second.open.row;
      write_changes(found->second.open, sample, counts);
      if constexpr (requires { entity_.matched(found->second.open, sample); }) entity_.matched(found->second.open, sample);
    }
    if constexpr (requires { entity_.order_new(new_); }) entity_.order_new(new_);
    NewRow<Entity> row(insert_, owner, snapshot_id_, open);
    for (const Sample* sample : new_) {
      const int64_t id = entity_.insert(row, *sample);
      rows_[static_cast<size_t>(sample - samples.data())] = id;
      if (id != 0) ++counts.created;
    }
    close_unseen(open, counts);
    counts.seen += static_cast<int64_t>(samples.size());
    return rows_;
  }

 private:
  static constexpr size_t kFacts = std::tuple_size_v<std::remove_cvref_t<decltype(Entity::facts)>>;

  template <size_t... I>
  std::array<SQLite::Statement, kFacts> prepare_changes(SQLite::Database& db, std::index_sequence<I...>) {
    return {SQLite::Statement(db, change_sql<std::tuple_element_t<I, std::remove_cvref_t<decltype(Entity::facts)>>>())...};
  }

  template <class Fact>
  static std::string change_sql() {
    return insert_sql(Fact::table, std::string(Entity::table.row_id) + ", snapshot_id, " + Fact::columns);
  }

  void write_changes(const Open& last, const Sample& now, EntityCounts& counts) {
    size_t index = 0;
    std::apply([&](const auto&... fact) { (write_change(changes_[index++], fact, last, now, counts), ...); },
               entity_.facts);
  }

  template <class Fact>
  static auto values_of(const Fact& fact, const Open& last, const Sample& now) {
    if constexpr (requires { fact.values(last, now); }) {
      return fact.values(last, now);
    } else {
      return fact.of(now);
    }
  }

  template <class Fact>
  static auto recorded_of(const Fact& fact, const Open& last) {
    if constexpr (requires { fact.recorded(last); }) {
      return fact.recorded(last);
    } else {
      return fact.of(last);
    }
  }

  template <class Fact>
  void write_change(SQLite::Statement& change, const Fact& fact, const Open& last, const Sample& now, EntityCounts& counts) {
    const auto values = values_of(fact, last, now);
    bool differs;
    if constexpr (requires { fact.differs(last, now); }) {
      differs = fact.differs(last, now);
    } else {
      differs = values != recorded_of(fact, last);
    }
    if (!differs) return;
    std::apply([&](const auto&... value) { exec_with(change, last.row, snapshot_id_, value...); }, values);
    ++counts.changed;
  }

  void close_unseen(const OpenRows<Entity>& open, EntityCounts& counts) {
    for (const auto& entry : open) {
      const auto& tracked = entry.second;
      if (tracked.seen) continue;
      // entry.first, not a structured binding: clang 14 (the fuzz build) refuses one inside requires.
      if constexpr (requires { entity_.unread(entry.first); }) {
        if (entity_.unread(entry.first)) continue;
      }
      exec_with(close_, snapshot_id_, tracked.open.row);
      ++counts.gone;
    }
  }

  int64_t snapshot_id_;
  Entity& entity_;
  SQLite::Statement open_rows_;
  PreparedInsert insert_;
  std::array<SQLite::Statement, kFacts> changes_;
  SQLite::Statement close_;
  std::vector<int64_t> rows_;
  std::vector<const Sample*> new_;
};

}  // namespace proctrail::detail
