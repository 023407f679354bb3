// Power-on self-tests: known-answer tests (KATs) of every algorithm family
// the module offers (DESIGN.md §3). HsmCore runs them at C_Initialize, and
// the daemon before it binds; any failure latches the module's error state.
//
// Each KAT recomputes a published test vector with the OpenSSL primitive the
// mechanism family uses, in the Provider's library context, and compares
// the result with the expected constant. In Debug builds the fault switch
// CRATON_HSM_TEST_FAULT="kat:<name>" (src/core/test_faults.h) makes the
// named KAT corrupt one of its inputs so that it genuinely fails.
#pragma once

#include <span>
#include <string_view>

#include "core/status.h"

namespace craton::crypto {

class Provider;

// The names of the KATs in the order run_known_answer_tests() runs them
// ("SHA-256", "AES-GCM-decrypt", "RSA-PKCS1-sign", ...), for the audit log
// and the documentation.
std::span<const std::string_view> known_answer_test_names();

// Runs every KAT and stops at the first failure, which is reported as
// CKR_GENERAL_ERROR with the message "self-test <name> failed".
Status run_known_answer_tests(const Provider& provider);

// Runs the KAT called `name` alone (diagnostics, timing, tests). Same errors
// as above; CKR_ARGUMENTS_BAD for a name that is not in the list.
Status run_known_answer_test(const Provider& provider, std::string_view name);

}  // namespace craton::crypto
