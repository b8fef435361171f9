#pragma once
// proctrail report: its options struct and its setup and run (cli/cmd_report.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

// proctrail report [--since 7d] [--match REGEX] [--format html|md] [-o FILE]
struct ReportOptions {
  std::string since = "7d";
  std::string match;
  std::string format = "html";
  std::string out;  // empty: ./proctrail-report-<host>-<time>.<ext>
  std::string snapshot = "last";
  bool verify = false;  // verify even a trail with more than 20,000 snapshots
};
CLI::App* setup_report(CLI::App& app, ReportOptions& options);
int run_report(const ReportOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
