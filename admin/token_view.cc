#include "token_view.h"

#include "errors.h"

namespace craton::admin {

std::string unpad(const CK_UTF8CHAR* text, std::size_t size) {
  std::string out(reinterpret_cast<const char*>(text), size);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
  return out;
}

std::string yes_no(bool value) { return value ? "yes" : "no"; }

Json token_json(HsmCore& core, CK_SLOT_ID slot) {
  CK_TOKEN_INFO info{};
  check(core.token_info(slot, info), "reading token information of slot " + std::to_string(slot));
  const auto counts = check(core.token_object_counts(slot), "counting objects of slot " + std::to_string(slot));
  Json j;
  j["slot"] = slot;
  const bool initialized = (info.flags & CKF_TOKEN_INITIALIZED) != 0;
  j["initialized"] = initialized;
  j["label"] = initialized ? unpad(info.label, sizeof info.label) : "";
  j["serial"] = unpad(info.serialNumber, sizeof info.serialNumber);
  j["user_pin_initialized"] = (info.flags & CKF_USER_PIN_INITIALIZED) != 0;
  j["objects"] = {{"public", counts.public_objects}, {"private", counts.private_objects}};
  j["pin_length"] = {{"min", info.ulMinPinLen}, {"max", info.ulMaxPinLen}};
  j["pins"] = pin_state_json(info);
  return j;
}

Json pin_state_json(const CK_TOKEN_INFO& info) {
  const auto has = [&info](CK_FLAGS f) { return (info.flags & f) != 0; };
  Json user = {{"initialized", has(CKF_USER_PIN_INITIALIZED)},
               {"count_low", has(CKF_USER_PIN_COUNT_LOW)},
               {"final_try", has(CKF_USER_PIN_FINAL_TRY)},
               {"locked", has(CKF_USER_PIN_LOCKED)}};
  Json so = {{"initialized", has(CKF_TOKEN_INITIALIZED)},
             {"count_low", has(CKF_SO_PIN_COUNT_LOW)},
             {"final_try", has(CKF_SO_PIN_FINAL_TRY)},
             {"locked", has(CKF_SO_PIN_LOCKED)}};
  return {{"user", user}, {"so", so}};
}

}  // namespace craton::admin
