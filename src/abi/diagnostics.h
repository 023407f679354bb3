// The module's diagnostics sink: why C_Initialize failed, why the module
// entered the error state.
//
// A library loaded into other programs must stay silent on their stdout and
// stderr, and PKCS#11 has no standard function to fetch a reason, so a
// message goes
//   - to the file named by CRATON_HSM_LOG, if set: appended, one line per
//     message, "<UTC timestamp> craton-hsm[<pid>]: <message>", the file
//     created with mode 0600;
//   - to stderr only when CRATON_HSM_DEBUG is set (and not "0");
//   - to memory, as the last message (module-internal).
// Both variables are read on every message, so they may be changed while the
// module is loaded. docs/configuration.md documents them.
#pragma once

#include <string>
#include <string_view>

namespace craton::abi {

// Never throws; a sink that cannot be written is skipped silently (there is
// nowhere left to report that to).
void report_diagnostic(std::string_view message) noexcept;

// The last message reported in this process ("" if none).
std::string last_diagnostic();

}  // namespace craton::abi
