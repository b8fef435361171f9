// proctrail verify: recompute every snapshot's hash and check the chain.
#include <iostream>

#include "cli/app.hpp"
#include "cli/cmd_verify.hpp"

namespace proctrail::cli {

CLI::App* setup_verify(CLI::App& app, VerifyOptions& options) {
  auto* command = app.add_subcommand("verify", "Check the trail's hash chains, its schema and its head log: detects edited or removed rows");
  command->add_option("--expect-head", options.expect_head,
                      "The head you kept from an earlier verify (SNAPSHOT:HASH, or the hash alone, at least 16 hex digits):"
                      " the trail must still hold that snapshot with that hash")
      ->check([](const std::string& value) { return parse_expected_head(value) ? std::string() : "expected SNAPSHOT:HASH or HASH (16 to 64 hex digits)"; });
  return command;
}

std::optional<ExpectedHead> parse_expected_head(std::string_view text) {
  ExpectedHead head;
  if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
    const auto id = text.substr(0, colon);
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    head.snapshot_id = std::stoll(std::string(id));
    text = text.substr(colon + 1);
  }
  if (text.size() < 16 || text.size() > 64 || text.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
    return std::nullopt;
  }
  for (char c : text) head.hash_prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head;
}

// Whether the trail still holds the expected head: that snapshot (or, without an id, its newest) with
// a stored hash that begins with the expected digits. nullopt: it does.
std::optional<std::string> expected_head_problem(Store& store, const ExpectedHead& expected, const VerifyReport& report) {
  std::string hash_hex = report.head_hash_hex;
  int64_t snapshot_id = report.head_snapshot_id;
  if (expected.snapshot_id && *expected.snapshot_id != report.head_snapshot_id) {
    auto stored = store.snapshot_hash_hex(*expected.snapshot_id);
    if (!stored) return stored.error().message + " (the head you kept): snapshots were removed";
    snapshot_id = *expected.snapshot_id;
    hash_hex = *stored;
  }
  if (hash_hex.starts_with(expected.hash_prefix)) return std::nullopt;
  return "snapshot " + std::to_string(snapshot_id) + "'s hash is " + hash_hex + ", not the " + expected.hash_prefix +
         " you kept: the trail was rewritten since";
}

int run_verify(const VerifyOptions& options, const GlobalOptions& global) {
  auto db = existing_trail_path(global);
  if (!db) return fail_with(db.error().within("verify"));
  auto store = Store::open(*db, StoreOptions{}, make_stderr_logger(global.verbosity));
  if (!store) return fail_with(store.error());
  auto report = store->verify();
  if (!report) return fail_with(report.error());
  // A broken link is not an Error of the store's: the trail was read, and it says it was edited.
  if (report->first_bad_prune) {
    print_error("verify: prune " + std::to_string(*report->first_bad_prune) + ": " + report->prune_problem);
    return exit_code::failed;
  }
  if (report->first_bad_snapshot) {
    print_error("verify: snapshot " + std::to_string(*report->first_bad_snapshot) + ": " + report->problem);
    return exit_code::failed;
  }
  if (report->first_bad_batch) {
    print_error("verify: event batch " + std::to_string(*report->first_bad_batch) + ": " + report->batch_problem);
    return exit_code::failed;
  }
  if (report->first_bad_action) {
    print_error("verify: cleanup action " + std::to_string(*report->first_bad_action) + ": " + report->action_problem);
    return exit_code::failed;
  }
  if (report->first_bad_run) {
    print_error("verify: cleanup run " + std::to_string(*report->first_bad_run) + ": " + report->run_problem);
    return exit_code::failed;
  }
  if (report->spawn_counts_problem) {
    print_error("verify: " + *report->spawn_counts_problem);
    return exit_code::failed;
  }
  if (report->schema_problem) {
    print_error("verify: schema: " + *report->schema_problem);
    return exit_code::failed;
  }
  if (report->head_problem) {
    print_error("verify: " + *report->head_problem);
    return exit_code::failed;
  }
  std::cout << "verified " << report->snapshots_checked << " snapshots";
  if (report->prunes_checked > 0) {
    std::cout << " (" << report->snapshots_link_only << " checked link-only: pruned by " << report->prunes_checked
              << (report->prunes_checked == 1 ? " prune" : " prunes")
              << ", linked by their stored hash, what is left checked against the prune's record)";
  }
  if (options.expect_head) {
    if (auto problem = expected_head_problem(*store, *parse_expected_head(*options.expect_head), *report)) {
      print_error("verify: --expect-head: " + *problem);
      return exit_code::failed;
    }
  }
  std::cout << ", " << report->event_batches_checked << " event batches, " << report->actions_checked
            << " cleanup actions and " << report->runs_checked
            << " cleanup runs: every hash chain intact, spawn counts agree, and the schema is proctrail's\n";
  if (report->head_snapshot_id > 0) {
    std::cout << "head " << report->head_snapshot_id << ":" << report->head_hash_hex
              << " (keep it elsewhere; verify --expect-head checks the trail still holds it)\n";
  }
  return 0;
}

}  // namespace proctrail::cli
