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

struct VerifyOptions {
  std::optional<std::string> expect_head;  // a head kept elsewhere: the newest snapshot's hash (or SNAPSHOT:HASH), hex
};
// What --expect-head names: a snapshot (optional) and the leading hex digits of its hash.
struct ExpectedHead {
  std::optional<int64_t> snapshot_id;
  std::string hash_prefix;  // lower case, 16 to 64 digits
};
std::optional<ExpectedHead> parse_expected_head(std::string_view text);

CLI::App* setup_verify(CLI::App& app, VerifyOptions& options);
int run_verify(const VerifyOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
