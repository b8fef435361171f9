#pragma once
// The command table's headers: every subcommand's options struct, setup and run (cli/cmd_NAME.hpp).
// Adding a subcommand: its cmd_NAME.hpp/.cpp, its line here and its line in cli/commands.cpp.
#include "cli/cmd_snap.hpp"
#include "cli/cmd_watch.hpp"
#include "cli/cmd_query.hpp"
#include "cli/cmd_cleanup.hpp"
#include "cli/cmd_exec.hpp"
#include "cli/cmd_guard.hpp"
#include "cli/cmd_report.hpp"
#include "cli/cmd_import.hpp"
#include "cli/cmd_install.hpp"
#include "cli/cmd_completion.hpp"
#include "cli/cmd_prune.hpp"
#include "cli/cmd_verify.hpp"
