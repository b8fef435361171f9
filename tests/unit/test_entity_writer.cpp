// The generic entity writer on a toy entity and a deterministic history: a row when first seen, a
// change row only when a fact differs from its latest recorded value, closed when no longer seen,
// kept open when unread, and a closed identity seen again is not reopened.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "recorder/store/entity_writer.hpp"
#include "tests/support/rows.hpp"

namespace proctrail::detail {

void PrintTo(const EntityCounts& c, std::ostream* os) {
  *os << "seen " << c.seen << " created " << c.created << " changed " << c.changed << " gone " << c.gone;
}

namespace {

struct Widget {
  std::string name;
  std::string colour;
  std::optional<int64_t> size;
  int64_t grams = 0;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE widgets (widget_id INTEGER PRIMARY KEY, shelf_id INTEGER NOT NULL, name TEXT NOT NULL,
  colour TEXT NOT NULL, size INTEGER, grams INTEGER NOT NULL, first_seen INTEGER NOT NULL, gone_by INTEGER);
CREATE UNIQUE INDEX widgets_identity ON widgets(shelf_id, name);
CREATE TABLE widget_paint_changes (widget_id INTEGER NOT NULL, snapshot_id INTEGER NOT NULL, colour TEXT NOT NULL,
  size INTEGER, PRIMARY KEY (widget_id, snapshot_id));
CREATE TABLE widget_weight_changes (widget_id INTEGER NOT NULL, snapshot_id INTEGER NOT NULL, grams INTEGER NOT NULL,
  PRIMARY KEY (widget_id, snapshot_id));
)sql";

// Widgets on a shelf: the name is the identity; paint (by equality) and weight (past a threshold)
// are mutable facts.
class WidgetEntity {
 public:
  using Sample = Widget;
  using Key = std::string;
  struct Open {
    int64_t row = 0;
    std::string colour;
    std::optional<int64_t> size;
    int64_t grams = 0;
  };
  struct Paint {
    static constexpr const char* table = "widget_paint_changes";
    static constexpr const char* columns = "colour, size";
    static auto of(auto& x) { return std::tie(x.colour, x.size); }
  };
  struct Weight {
    static constexpr const char* table = "widget_weight_changes";
    static constexpr const char* columns = "grams";
    static auto values(const Open&, const Widget& now) { return std::tie(now.grams); }
    static bool differs(const Open& last, const Widget& now) { return std::abs(now.grams - last.grams) >= 10; }
  };
  static constexpr EntityTable table{"widgets", "widget_id", "shelf_id", "INSERT OR IGNORE"};
  static constexpr const char* insert_columns = "name, colour, size, grams";
  static constexpr std::tuple<Paint, Weight> facts{};

  // Paint as open_rows_with_latest reads one change table; weight from a table of its own.
  static std::string open_rows() {
    return "SELECT w.widget_id, w.name,"
           " CASE WHEN p.widget_id IS NULL THEN w.colour ELSE p.colour END,"
           " CASE WHEN p.widget_id IS NULL THEN w.size ELSE p.size END,"
           " COALESCE((SELECT grams FROM widget_weight_changes g WHERE g.widget_id = w.widget_id"
           "           ORDER BY snapshot_id DESC LIMIT 1), w.grams)"
           " FROM widgets w LEFT JOIN widget_paint_changes p ON p.widget_id = w.widget_id"
           "  AND p.snapshot_id = (SELECT max(snapshot_id) FROM widget_paint_changes WHERE widget_id = w.widget_id)"
           " WHERE w.shelf_id = ?1 AND w.gone_by IS NULL";
  }
  static Key read_open(SQLite::Statement& row, Open& open) {
    open.row = row.getColumn(0).getInt64();
    read_columns(row, 2, std::tie(open.colour, open.size, open.grams));
    return row.getColumn(1).getString();
  }
  static const Key& key_of(const Widget& widget) { return widget.name; }
  static int64_t insert(NewRow<WidgetEntity>& row, const Widget& w) { return row.insert(w.name, w.colour, w.size, w.grams); }

  bool unread(const Key& key) const { return unread_names.contains(key); }
  static void order_new(std::vector<const Widget*>& widgets) {
    std::sort(widgets.begin(), widgets.end(), [](const Widget* a, const Widget* b) { return a->name < b->name; });
  }

  std::set<std::string> unread_names;
};

using test::query_rows;

class EntityWriterTest : public ::testing::Test {
 protected:
  SQLite::Database db{":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  WidgetEntity entity;
  int64_t snapshot = 0;

  void SetUp() override { db.exec(kSchema); }

  // One snapshot of shelf 1; returns the counts and each widget's row.
  std::pair<EntityCounts, std::vector<int64_t>> write(const std::vector<Widget>& shelf) {
    EntityCounts counts;
    EntityWriter writer(db, ++snapshot, entity);
    std::vector<int64_t> ids = writer.write(1, shelf, counts);
    return {counts, ids};
  }
  std::vector<std::string> widgets() {
    return query_rows(db, "SELECT widget_id, name, colour, size, grams, first_seen, gone_by FROM widgets ORDER BY widget_id");
  }
};

TEST_F(EntityWriterTest, FirstSightInsertsInTheEntitysOrderAndReturnsRowsInTheSamplesOrder) {
  auto [counts, ids] = write({{"b", "blue", 2, 100}, {"a", "red", std::nullopt, 50}});
  EXPECT_EQ(counts, (EntityCounts{.seen = 2, .created = 2}));
  EXPECT_EQ(ids, (std::vector<int64_t>{2, 1}));  // order_new: a before b
  EXPECT_EQ(widgets(), (std::vector<std::string>{"1|a|red|NULL|50|1|NULL", "2|b|blue|2|100|1|NULL"}));
}

TEST_F(EntityWriterTest, AChangeRowOnlyWhenAFactDiffersFromItsLatestRecordedValue) {
  write({{"a", "red", 1, 100}, {"b", "blue", 2, 100}});
  auto [second, ids] = write({{"a", "red", 1, 105}, {"b", "green", 2, 100}});  // a: 5 g is no change
  EXPECT_EQ(second, (EntityCounts{.seen = 2, .changed = 1}));
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2}));
  // a: 11 g past the 100 last recorded; b: its size is a fact too.
  EntityCounts third = write({{"a", "red", 1, 111}, {"b", "green", std::nullopt, 100}}).first;
  EXPECT_EQ(third, (EntityCounts{.seen = 2, .changed = 2}));
  // Compared with the change rows, not the first sighting.
  EntityCounts steady = write({{"a", "red", 1, 112}, {"b", "green", std::nullopt, 100}}).first;
  EXPECT_EQ(steady, (EntityCounts{.seen = 2}));
  EXPECT_EQ(query_rows(db, "SELECT widget_id, snapshot_id, colour, size FROM widget_paint_changes ORDER BY snapshot_id"),
            (std::vector<std::string>{"2|2|green|2", "2|3|green|NULL"}));
  EXPECT_EQ(query_rows(db, "SELECT widget_id, snapshot_id, grams FROM widget_weight_changes"), std::vector<std::string>{"1|3|111"});
}

TEST_F(EntityWriterTest, UnseenIsClosedUnreadStaysOpenAndAClosedIdentityIsNotReopened) {
  write({{"a", "red", 1, 100}, {"b", "blue", 2, 100}, {"c", "grey", 3, 100}});
  entity.unread_names = {"b"};
  EntityCounts closing = write({{"c", "grey", 3, 100}}).first;
  EXPECT_EQ(closing, (EntityCounts{.seen = 1, .gone = 1}));
  entity.unread_names.clear();
  auto [again, ids] = write({{"a", "red", 1, 100}, {"b", "blue", 2, 100}, {"c", "grey", 3, 100}});
  EXPECT_EQ(again, (EntityCounts{.seen = 3}));
  EXPECT_EQ(ids, (std::vector<int64_t>{0, 2, 3}));  // a was gone: not written again
  EXPECT_EQ(widgets(), (std::vector<std::string>{"1|a|red|1|100|1|2", "2|b|blue|2|100|1|NULL", "3|c|grey|3|100|1|NULL"}));
  EntityCounts empty = write({}).first;
  EXPECT_EQ(empty, (EntityCounts{.gone = 2}));
  EXPECT_EQ(query_rows(db, "SELECT count(*) FROM widgets WHERE gone_by = 4"), std::vector<std::string>{"2"});
}

// Issue 24: the process writer reads its open rows before the collection (they are the collector's
// hints too) and hands them to write(); that must write exactly what loading them itself writes.
TEST_F(EntityWriterTest, OpenRowsReadAheadWriteWhatTheWriterWouldHaveRead) {
  write({{"a", "red", 1, 100}, {"b", "blue", 2, 100}, {"c", "grey", 3, 100}});
  OpenRows<WidgetEntity> ahead = load_open_rows<WidgetEntity>(db, 1);
  EXPECT_EQ(ahead.size(), 3u);
  EntityCounts counts;
  EntityWriter writer(db, ++snapshot, entity);
  std::vector<int64_t> ids = writer.write(1, std::vector<Widget>{{"a", "green", 1, 100}, {"d", "white", 4, 1}},
                                          std::move(ahead), counts);
  EXPECT_EQ(counts, (EntityCounts{.seen = 2, .created = 1, .changed = 1, .gone = 2}));
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(query_rows(db, "SELECT widget_id, gone_by FROM widgets ORDER BY widget_id"),
            (std::vector<std::string>{"1|NULL", "2|2", "3|2", "4|NULL"}));
}

TEST(SqliteUtil, InsertStatementsFollowTheirColumnListAndRefuseAMiscount) {
  EXPECT_EQ(insert_sql("t", "a, b,c"), "INSERT INTO t (a, b,c) VALUES (?1, ?2, ?3)");
  EXPECT_EQ(insert_sql("t", "a", "INSERT OR IGNORE"), "INSERT OR IGNORE INTO t (a) VALUES (?1)");
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (a INTEGER, b TEXT, c INTEGER)");
  SQLite::Statement insert(db, insert_sql("t", "a, b, c"));
  EXPECT_THROW(exec_with(insert, 1, std::string("x")), SQLite::Exception);
  EXPECT_EQ(exec_with(insert, uint64_t{7}, std::optional<std::string>(), std::optional<int>(3)), 1);
  EXPECT_EQ(query_rows(db, "SELECT a, typeof(b), c FROM t"), std::vector<std::string>{"7|null|3"});
}

}  // namespace
}  // namespace proctrail::detail
