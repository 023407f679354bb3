// The command groups of craton-hsm-admin, one file each. Each adds its
// subcommands (with their options and --help text) to the application.
#pragma once

namespace CLI { class App; }

namespace craton::admin {

class Context;

void add_status_commands(CLI::App& app, Context& ctx);   // status, selftest, slot list
void add_token_commands(CLI::App& app, Context& ctx);    // token init|info|reinit
void add_pin_commands(CLI::App& app, Context& ctx);      // pin change|reset|unlock-status
void add_config_commands(CLI::App& app, Context& ctx);   // config check|show
void add_backup_commands(CLI::App& app, Context& ctx);   // backup create|restore|inspect

}  // namespace craton::admin
