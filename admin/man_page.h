// The craton-hsm-admin(1) man page, written from the same CLI11 definitions
// that parse the command line and print --help, so the two cannot disagree.
// The build runs `craton-hsm-admin --man` to produce craton-hsm-admin.1.
#pragma once

#include <string>

namespace CLI { class App; }

namespace craton::admin {

std::string man_page(const CLI::App& app);

}  // namespace craton::admin
