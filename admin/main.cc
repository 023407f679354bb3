// craton-hsm-admin: the operator's command line (docs/cli.md).
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "context.h"
#include "errors.h"
#include "man_page.h"

using namespace craton::admin;

namespace {

int usage_error(const CLI::ParseError& e, CLI::App& app) {
  // --help and --version are "errors" that exit 0 after printing.
  if (e.get_exit_code() == 0) return app.exit(e);
  std::cerr << "craton-hsm-admin: " << e.what() << " (see --help)\n";
  return static_cast<int>(Exit::kUsage);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"administer Craton HSM tokens, keys, backups and the audit log", "craton-hsm-admin"};
  app.set_version_flag("--version", std::string("craton-hsm-admin ") + CRATON_VERSION);
  app.fallthrough();  // global options may follow the subcommand
  app.require_subcommand(1);
  GlobalOptions options;
  add_global_options(app, options);
  bool man = false;
  app.add_flag("--man", man, "Print the manual page (roff) and exit")->group("");
  Context ctx(options);
  add_status_commands(app, ctx);
  add_token_commands(app, ctx);
  add_pin_commands(app, ctx);
  add_config_commands(app, ctx);
  add_key_commands(app, ctx);
  add_import_commands(app, ctx);
  add_crypto_commands(app, ctx);
  add_audit_commands(app, ctx);
  add_backup_commands(app, ctx);

  try {
    if (argc == 2 && std::string(argv[1]) == "--man") {
      std::cout << man_page(app);
      return 0;
    }
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return usage_error(e, app);
  } catch (const CliError& e) {
    std::cerr << "craton-hsm-admin: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "craton-hsm-admin: unexpected failure: " << e.what() << '\n';
    return static_cast<int>(Exit::kFailed);
  }
  return 0;
}
