#include "cli/unknown_command.hpp"

#include <algorithm>
#include <limits>

namespace proctrail::cli {
namespace {

// Global options that take the next argument as their value.
bool takes_value(std::string_view option) { return option == "--db"; }

// Optimal string alignment distance: Levenshtein plus swaps of neighbouring letters ("snpa" → "snap").
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string> unknown_command(const std::vector<std::string>& args, const std::vector<std::string>& names) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") return std::nullopt;
    if (arg.starts_with("-")) {
      if (takes_value(arg)) ++i;
      continue;
    }
    if (std::find(names.begin(), names.end(), arg) != names.end()) return std::nullopt;
    return arg;
  }
  return std::nullopt;
}

std::optional<std::string> nearest_command(std::string_view word, const std::vector<std::string>& names) {
  std::vector<std::string> extended;
  for (const auto& name : names) {
    if (name.starts_with(word)) extended.push_back(name);
  }
  if (extended.size() == 1) return extended.front();
  std::optional<std::string> best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& name : names) {
    const size_t distance = edit_distance(word, name);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  if (best_distance > 2 || best_distance >= word.size()) return std::nullopt;
  return best;
}

std::string unknown_command_message(const std::string& word, const std::vector<std::string>& names) {
  std::string message = "unknown command '" + word + "'";
  if (auto nearest = nearest_command(word, names)) message += "; did you mean '" + *nearest + "'?";
  return message + " (proctrail --help lists the commands)";
}

}  // namespace proctrail::cli
