// How slots, tokens and PIN states are shown: one JSON shape (docs/cli.md)
// shared by `status`, `slot list`, `token info` and `pin unlock-status`.
#pragma once

#include <string>

#include "core/hsm_core.h"
#include "output.h"

namespace craton::admin {

// A space-padded PKCS#11 text field without its padding.
std::string unpad(const CK_UTF8CHAR* text, std::size_t size);

// {"slot", "label", "serial", "initialized", "user_pin_initialized",
//  "objects": {"public", "private"}, "sessions", "pin_length": {"min","max"}}
Json token_json(HsmCore& core, CK_SLOT_ID slot);

// {"user": {...}, "so": {...}} with "count_low", "final_try", "locked"
// (CKF_*_PIN_* flags of CK_TOKEN_INFO) and for the user "initialized".
Json pin_state_json(const CK_TOKEN_INFO& info);

std::string yes_no(bool value);

}  // namespace craton::admin
