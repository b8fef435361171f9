// proctrail completion bash|zsh; proctrail man [-o FILE]: scripts and a man page written from the
// command line's own definition (cli/command_tree.hpp), so they never lag behind it.
#include <fstream>
#include <iostream>

#include "cli/app.hpp"
#include "cli/cmd_completion.hpp"
#include "cli/completion.hpp"

namespace proctrail::cli {

CLI::App* setup_completion(CLI::App& app, CompletionOptions& options) {
  auto* completion = app.add_subcommand("completion", "Print the shell completion script for bash or zsh");
  completion->add_option("shell", options.shell, "The shell")->check(CLI::IsMember({"bash", "zsh"}))->required();
  return completion;
}

int run_completion(const CLI::App& app, const CompletionOptions& options) {
  std::cout << (options.shell == "zsh" ? zsh_completion(app) : bash_completion(app));
  return 0;
}

CLI::App* setup_man(CLI::App& app, ManOptions& options) {
  auto* man = app.add_subcommand("man", "Print the manual page (roff, for man -l or groff -man)");
  man->add_option("-o,--output", options.out, "Write it to this file instead")->type_name("FILE");
  return man;
}

int run_man(const CLI::App& app, const ManOptions& options) {
  if (options.out.empty()) {
    std::cout << man_page(app);
    return 0;
  }
  std::ofstream out(options.out, std::ios::binary | std::ios::trunc);
  out << man_page(app);
  out.close();
  if (!out) return fail_with(Error{"man: cannot write " + options.out});
  return 0;
}

}  // namespace proctrail::cli
