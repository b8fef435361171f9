// proctrail verify: recompute every snapshot's hash and check the chain.
#include <iostream>

#include "cli/app.hpp"
#include "cli/cmd_verify.hpp"

namespace proctrail::cli {

CLI::App* setup_verify(CLI::App& app, VerifyOptions& /*options*/) {
  return app.add_subcommand("verify", "Check the trail's hash chain: detects edited or removed snapshots");
}

int run_verify(const VerifyOptions& /*options*/, const GlobalOptions& global) {
  auto db = resolve_db_path(global);
  if (!db) return fail_with(db.error());
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
  std::cout << ", " << report->event_batches_checked << " event batches and " << report->actions_checked
            << " cleanup actions: every hash chain intact, and the schema is proctrail's\n";
  return 0;
}

}  // namespace proctrail::cli
