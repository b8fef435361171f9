#pragma once
// proctrail completion: its options struct and its setup and run (cli/cmd_completion.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

// proctrail completion bash|zsh
struct CompletionOptions {
  std::string shell;
};
CLI::App* setup_completion(CLI::App& app, CompletionOptions& options);
int run_completion(const CLI::App& app, const CompletionOptions& options);

// proctrail man [-o FILE]
struct ManOptions {
  std::string out;  // empty: stdout
};
CLI::App* setup_man(CLI::App& app, ManOptions& options);
int run_man(const CLI::App& app, const ManOptions& options);

}  // namespace proctrail::cli
