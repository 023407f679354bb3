// Builds the object-rule context (object/template_rules.h) for a session.
#pragma once

#include "object/template_rules.h"
#include "session/session.h"
#include "token/slot.h"

namespace craton {

inline RuleContext rule_context(const Session& s, Origin origin,
                                CK_MECHANISM_TYPE mechanism = CK_UNAVAILABLE_INFORMATION) {
  RuleContext ctx;
  ctx.origin = origin;
  ctx.mechanism = mechanism;
  const LoginState login = s.slot().login_state();
  ctx.so_session = login == LoginState::kSecurityOfficer;
  ctx.user_logged_in = login == LoginState::kUser;
  ctx.rw_session = s.read_write();
  return ctx;
}

}  // namespace craton
