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
void add_key_commands(CLI::App& app, Context& ctx);      // key generate|list|show|delete
// key import|export-public and cert import|export|list (after add_key_commands).
void add_import_commands(CLI::App& app, Context& ctx);
void add_cert_list_command(CLI::App& cert, Context& ctx);
void add_crypto_commands(CLI::App& app, Context& ctx);   // sign|verify|encrypt|decrypt|digest|random
void add_audit_commands(CLI::App& app, Context& ctx);    // audit verify|checkpoint|export|tail
void add_backup_commands(CLI::App& app, Context& ctx);   // backup create|restore|inspect

}  // namespace craton::admin
