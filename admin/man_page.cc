#include "man_page.h"

#include <CLI/CLI.hpp>
#include <sstream>

namespace craton::admin {
namespace {

// roff treats a leading '.' or '\'' as a request and '\' as an escape.
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out.push_back(c);
    line_start = c == '\n';
  }
  return out;
}

std::string option_synopsis(const CLI::Option* opt) {
  std::string names;
  for (const std::string& s : opt->get_snames()) names += (names.empty() ? "-" : ", -") + s;
  for (const std::string& l : opt->get_lnames()) names += (names.empty() ? "--" : ", --") + l;
  if (names.empty()) names = opt->get_name();
  if (opt->get_type_size() != 0) {
    const std::string type = opt->get_type_name();
    if (!type.empty()) names += " " + type;
  }
  return names;
}

void describe_options(std::ostringstream& out, const CLI::App& app, bool positional_too) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_name() == "--help" || opt->get_group().empty()) continue;
    if (!positional_too && opt->get_lnames().empty() && opt->get_snames().empty()) continue;
    out << ".TP\n.B " << roff(option_synopsis(opt)) << "\n" << roff(opt->get_description()) << "\n";
  }
}

void describe_command(std::ostringstream& out, const CLI::App& cmd, const std::string& prefix) {
  const std::string path = prefix.empty() ? cmd.get_name() : prefix + " " + cmd.get_name();
  const auto subs = cmd.get_subcommands({});
  if (subs.empty()) {
    out << ".SS " << roff(path) << "\n" << roff(cmd.get_description()) << "\n";
    describe_options(out, cmd, true);
    return;
  }
  for (const CLI::App* sub : subs) describe_command(out, *sub, path);
}

}  // namespace

std::string man_page(const CLI::App& app) {
  std::ostringstream out;
  out << ".TH CRATON-HSM-ADMIN 1 \"\" \"Craton HSM " << CRATON_VERSION << "\" \"User Commands\"\n";
  out << ".SH NAME\ncraton\\-hsm\\-admin \\- " << roff(app.get_description()) << "\n";
  out << ".SH SYNOPSIS\n.B craton\\-hsm\\-admin\n[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR]\n";
  out << ".SH GLOBAL OPTIONS\n";
  describe_options(out, app, false);
  out << ".SH COMMANDS\n";
  for (const CLI::App* sub : app.get_subcommands({})) describe_command(out, *sub, "");
  out << ".SH EXIT STATUS\n"
         ".TP\n.B 0\nsuccess\n"
         ".TP\n.B 1\na check found a problem (audit verify, selftest, config check, verify)\n"
         ".TP\n.B 2\nusage error or invalid configuration\n"
         ".TP\n.B 3\nauthentication failed: wrong, locked or missing PIN or passphrase\n"
         ".TP\n.B 4\nthe store is locked by another process or unavailable\n"
         ".TP\n.B 5\nany other failure\n"
         ".TP\n.B 6\na destructive command was not confirmed\n";
  out << ".SH SEE ALSO\ndocs/cli.md, docs/configuration.md\n";
  return out.str();
}

}  // namespace craton::admin
