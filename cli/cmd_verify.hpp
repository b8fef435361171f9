#pragma once
// proctrail verify: its options struct and its setup and run (cli/cmd_verify.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

struct VerifyOptions {};
CLI::App* setup_verify(CLI::App& app, VerifyOptions& options);
int run_verify(const VerifyOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
