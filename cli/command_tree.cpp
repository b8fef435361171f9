#include "cli/command_tree.hpp"

#include <algorithm>

namespace proctrail::cli {
namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t end = text.find(separator); end != std::string_view::npos; end = text.find(separator, start)) {
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// "{a,b,c}" or a map's "{a->1,b->2}" → a, b, c; keys only.
std::vector<std::string> set_items(std::string_view set) {
  std::vector<std::string> items;
  for (std::string_view item : split(set.substr(1, set.size() - 2), ',')) {
    item = item.substr(0, item.find("->"));
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

bool names_files(std::string_view segment) { return segment == "FILE" || segment.starts_with("PATH"); }

std::vector<std::string> option_names(const CLI::Option& option) {
  std::vector<std::string> names;
  for (const auto& name : option.get_snames()) names.push_back("-" + name);
  for (const auto& name : option.get_lnames()) names.push_back("--" + name);
  return names;
}

OptionSpec option_spec(const CLI::Option& option) {
  OptionSpec spec;
  spec.names = option_names(option);
  spec.description = option.get_description();
  spec.default_text = option.get_default_str();
  spec.takes_value = option.get_items_expected_max() > 0;
  spec.repeatable = !spec.takes_value && option.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
  if (spec.takes_value) spec.value = value_spec_of(option.get_type_name());
  return spec;
}

PositionalSpec positional_spec(const CLI::Option& option) {
  return PositionalSpec{.name = option.get_name(true),
                        .description = option.get_description(),
                        .required = option.get_required(),
                        .many = option.get_items_expected_max() > 1,
                        .value = value_spec_of(option.get_type_name())};
}

bool shown(const CLI::Option* option) { return !option->get_group().empty(); }

std::vector<OptionSpec> own_options(const CLI::App& app) {
  std::vector<OptionSpec> options;
  for (const CLI::Option* option : app.get_options(shown)) {
    if (option->nonpositional()) options.push_back(option_spec(*option));
  }
  return options;
}

std::vector<OptionSpec> inherited_options(const CLI::App& app) {
  std::vector<OptionSpec> options;
  for (const CLI::App* child = &app; child->get_fallthrough() && child->get_parent() != nullptr;
       child = child->get_parent()) {
    auto parents = own_options(*child->get_parent());
    options.insert(options.end(), parents.begin(), parents.end());
  }
  return options;
}

CommandSpec describe(const CLI::App& app, std::vector<std::string> path) {
  CommandSpec spec;
  spec.path = std::move(path);
  spec.description = app.get_description();
  spec.options = own_options(app);
  spec.inherited = inherited_options(app);
  for (const CLI::Option* option : app.get_options(shown)) {
    if (!option->nonpositional()) spec.positionals.push_back(positional_spec(*option));
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); })) {
    auto sub_path = spec.path;
    sub_path.push_back(sub->get_name());
    spec.subcommands.push_back(describe(*sub, std::move(sub_path)));
  }
  return spec;
}

}  // namespace

ValueSpec value_spec_of(std::string_view type_name) {
  ValueSpec spec;
  auto segments = split(type_name, ':');
  spec.name = std::string(segments.front());
  for (std::string_view segment : segments) {
    if (segment.size() >= 2 && segment.front() == '{' && segment.back() == '}') {
      spec.kind = ValueKind::choices;
      spec.choices = set_items(segment);
      return spec;
    }
    if (names_files(segment)) spec.kind = ValueKind::files;
    if (segment == "DIR") spec.kind = ValueKind::directories;
    if (segment == "COMMAND") spec.kind = ValueKind::commands;
  }
  return spec;
}

CommandSpec describe_command(const CLI::App& app) { return describe(app, {kProgramName}); }

std::string CommandSpec::joined_path(char separator) const {
  std::string joined;
  for (const auto& part : path) {
    if (!joined.empty()) joined += separator;
    joined += part;
  }
  return joined;
}

std::vector<OptionSpec> CommandSpec::accepted_options() const {
  std::vector<OptionSpec> accepted = options;
  auto taken = [&](const std::string& name) {
    return std::any_of(accepted.begin(), accepted.end(), [&](const OptionSpec& option) {
      return std::find(option.names.begin(), option.names.end(), name) != option.names.end();
    });
  };
  for (const auto& option : inherited) {
    if (std::none_of(option.names.begin(), option.names.end(), taken)) accepted.push_back(option);
  }
  return accepted;
}

}  // namespace proctrail::cli
