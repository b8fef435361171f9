#pragma once
// One subcommand: its options struct, bound to its setup and run functions. cli/commands.cpp lists
// every subcommand in one table; adding one is its own file plus one line there.
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>

namespace proctrail::cli {

struct GlobalOptions;

// What a subcommand's run may use besides its own options.
struct RunContext {
  const GlobalOptions& global;
  const CLI::App& root;      // the whole command line (completion and man read it)
  CLI::App& command;         // this subcommand as parsed
  const std::string& own_argv;  // the command line, for the audit trail
};

class Subcommand {
 public:
  virtual ~Subcommand() = default;
  virtual CLI::App* setup(CLI::App& parent) = 0;  // adds the subcommand to `parent`
  virtual int run(const RunContext& context) = 0;
};

template <class Options>
class SubcommandWith : public Subcommand {
 public:
  Options options;
};

// A subcommand made of the free functions its file declares: `Setup(parent, options)` and one of
// `Run(options, global)`, `Run(command, options, global)`, `Run(options, global, own_argv)` or
// `Run(root, options)`.
template <class Options, auto Setup, auto Run>
class BoundSubcommand final : public SubcommandWith<Options> {
 public:
  CLI::App* setup(CLI::App& parent) override { return Setup(parent, this->options); }
  int run(const RunContext& c) override {
    using RunType = decltype(Run);
    if constexpr (std::is_invocable_v<RunType, const Options&, const GlobalOptions&>) {
      return Run(this->options, c.global);
    } else if constexpr (std::is_invocable_v<RunType, CLI::App&, const Options&, const GlobalOptions&>) {
      return Run(c.command, this->options, c.global);
    } else if constexpr (std::is_invocable_v<RunType, const Options&, const GlobalOptions&, const std::string&>) {
      return Run(this->options, c.global, c.own_argv);
    } else {
      return Run(c.root, this->options);
    }
  }
};

// Every subcommand, in the order `--help` lists them (cli/commands.cpp).
std::vector<std::unique_ptr<Subcommand>> all_subcommands();

}  // namespace proctrail::cli
