#pragma once
// reports/**/*.sql and *.tpl compiled in (generated at build time by cmake/embed_files.cmake).
#include <vector>

namespace proctrail::reports {

struct EmbeddedFile {
  const char* name;  // path below reports/, e.g. "sections/30_groups.sql"
  const char* text;
};

// In path order.
const std::vector<EmbeddedFile>& embedded_files();

}  // namespace proctrail::reports
