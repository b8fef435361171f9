#include "recorder/store/schema.hpp"

#include <cctype>
#include <stdexcept>

namespace proctrail::schema {

std::vector<Migration> migrations() {
  std::vector<Migration> result;
  for (const auto& file : embedded_files()) {
    std::string name = file.name;
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    result.push_back(Migration{std::stoi(name), name, file.sql});
  }
  return result;
}

std::string views_sql() {
  for (const auto& file : embedded_files()) {
    if (std::string(file.name) == "views.sql") return file.sql;
  }
  return {};
}

int latest_version() {
  auto all = migrations();
  return all.empty() ? 0 : all.back().version;
}

}  // namespace proctrail::schema
