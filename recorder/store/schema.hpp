#pragma once
// The schema compiled in from schema/*.sql: numbered migrations plus views.sql.
#include <string>
#include <vector>

namespace proctrail::schema {

inline constexpr int kApplicationId = 0x70747261;  // "ptra"

struct EmbeddedFile {
  const char* name;  // e.g. "001_init.sql"
  const char* sql;
};

// All schema/*.sql files, in name order (generated at build time).
const std::vector<EmbeddedFile>& embedded_files();

struct Migration {
  int version;      // from the file-name prefix
  std::string name;
  std::string sql;
};

// The numbered files, ascending; version = the number.
std::vector<Migration> migrations();
// views.sql: dropped and recreated with every migration.
std::string views_sql();
// The highest migration number: what this binary writes into user_version.
int latest_version();

}  // namespace proctrail::schema
