// Slot: the token as a backup image, and restoring one (docs/backup.md).
#include <algorithm>
#include <mutex>
#include <optional>

#include "crypto/provider.h"
#include "token/slot.h"

namespace craton {
namespace {

Status damaged(const std::string& what) { return Status(CKR_DATA_INVALID, "the backup's token " + what); }

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
  return text;
}

// The image's meta entries by role. Failure counters are left out (they are
// this device's state, and a restored token starts with none); any other
// name is refused, since this build would not know what it restores.
struct ImageMeta {
  const SecureBytes* token = nullptr;
  const SecureBytes* so_pin = nullptr;
  const SecureBytes* user_pin = nullptr;
};

Result<ImageMeta> sort_meta(const MetaEntries& meta) {
  ImageMeta out;
  for (const auto& [name, value] : meta) {
    if (name == kMetaToken) out.token = &value;
    else if (name == kMetaSoPin) out.so_pin = &value;
    else if (name == kMetaUserPin) out.user_pin = &value;
    else if (name != kMetaSoFailures && name != kMetaUserFailures) return damaged("has an unknown entry " + name);
  }
  if (out.token == nullptr || out.so_pin == nullptr) return damaged("is not initialised (no token or SO PIN record)");
  return out;
}

// Whether the record's stored form and its attributes agree.
Status check_attributes(const ObjectRecord& record, Result<AttributeMap> attrs) {
  if (!attrs.ok()) return damaged("object " + std::to_string(record.id) + " does not decode");
  if (!attrs->bool_or(CKA_TOKEN, false) || attrs->bool_or(CKA_PRIVATE, false) != record.is_private) {
    return damaged("object " + std::to_string(record.id) + " disagrees with its record");
  }
  return Status::Ok();
}

// Everything a restore writes, computed and checked before the slot is touched.
struct RestorePlan {
  StoreContent content;
  TokenMeta meta;
  RestoreOutcome outcome;
};

// Opens every record of `image` with the master key and, when the target is
// another slot, re-seals the private ones for it.
Status plan_objects(const crypto::Provider& provider, ByteView master, const TokenImage& image, CK_SLOT_ID target,
                    RestorePlan& plan) {
  const RecordCipher from(provider, master, image.source_slot);
  std::optional<RecordCipher> to;
  if (plan.outcome.moved) to.emplace(provider, master, target);
  for (const ObjectRecord& record : image.content.objects) {
    ObjectRecord out = record;
    if (!record.is_private) {
      RETURN_IF_ERROR(check_attributes(record, AttributeMap::decode(record.blob)));
    } else {
      Result<SecureBytes> plain = from.open(record.id, record.version, record.blob);
      if (!plain.ok()) return damaged("object " + std::to_string(record.id) + " does not open with its master key");
      RETURN_IF_ERROR(check_attributes(record, AttributeMap::decode(*plain)));
      if (to) {
        ASSIGN_OR_RETURN(out.blob, to->seal(record.id, record.version, *plain));
      }
    }
    plan.content.objects.push_back(std::move(out));
  }
  plan.outcome.objects = plan.content.objects.size();
  return Status::Ok();
}

Result<RestorePlan> plan_restore(const crypto::Provider& provider, const Config& config, CK_SLOT_ID target,
                                 ByteView so_pin, const TokenImage& image) {
  ASSIGN_OR_RETURN(ImageMeta meta, sort_meta(image.content.meta));
  Result<TokenMeta> token = TokenMeta::decode(*meta.token);
  Result<PinRecord> so = PinRecord::decode(*meta.so_pin);
  if (!token.ok() || !so.ok() || !token->initialized) return damaged("record or SO PIN record is malformed");
  if (token->user_pin_initialized != (meta.user_pin != nullptr) ||
      (meta.user_pin != nullptr && !PinRecord::decode(*meta.user_pin).ok())) {
    return damaged("user PIN record is malformed or missing");
  }
  Result<SecureBytes> master = so->unlock(provider, image.source_slot, PinRole::kSecurityOfficer, so_pin);
  if (master.rv() == CKR_PIN_INCORRECT) {
    return Status(CKR_PIN_INCORRECT, "the SO PIN does not open this backup (it takes the SO PIN the token had "
                                     "when the backup was made)");
  }
  if (!master.ok()) return damaged("SO PIN record is malformed");

  RestorePlan plan;
  plan.meta = *token;
  plan.outcome.moved = image.source_slot != target;
  RETURN_IF_ERROR(plan_objects(provider, *master, image, target, plan));
  if (!plan.outcome.moved) {
    plan.outcome.user_pin_kept = meta.user_pin != nullptr;
    plan.content.meta.emplace_back(kMetaSoPin, *meta.so_pin);
    if (meta.user_pin != nullptr) plan.content.meta.emplace_back(kMetaUserPin, *meta.user_pin);
  } else {
    // Wrapped master keys are bound to their slot: the SO's is made anew
    // with the PIN just proven; the user's would need the user PIN.
    ASSIGN_OR_RETURN(PinRecord moved_so, PinRecord::create(provider, target, PinRole::kSecurityOfficer, so_pin,
                                                           config.pbkdf2_iterations, *master));
    plan.content.meta.emplace_back(kMetaSoPin, moved_so.encode());
    plan.meta.user_pin_initialized = false;
  }
  plan.content.meta.emplace_back(kMetaToken, plan.meta.encode());
  return plan;
}

}  // namespace

Result<TokenImage> Slot::export_image() const {
  std::shared_ptr<const RecordCipher> cipher;
  TokenImage image;
  {
    std::lock_guard lock(mu_);
    if (login_ != LoginState::kSecurityOfficer || !cipher_) {
      return Status(CKR_USER_NOT_LOGGED_IN, "a backup needs the SO logged in");
    }
    cipher = cipher_;
    image.serial = trimmed(meta_.serial);
    image.label = trimmed(meta_.label);
  }
  image.source_slot = id_;
  ASSIGN_OR_RETURN(image.content, store_->snapshot());
  std::erase_if(image.content.meta,
                [](const auto& entry) { return entry.first == kMetaSoFailures || entry.first == kMetaUserFailures; });
  for (const ObjectRecord& record : image.content.objects) {
    const bool opens = record.is_private ? cipher->open(record.id, record.version, record.blob).ok()
                                         : AttributeMap::decode(record.blob).ok();
    if (!opens) {
      return Status(CKR_DEVICE_ERROR, "stored object " + std::to_string(record.id) +
                                          " does not open; the store is damaged and no backup was made");
    }
  }
  return image;
}

Result<RestoreOutcome> Slot::restore_image(ByteView so_pin, const TokenImage& image) {
  // The expensive part (PBKDF2, every record) runs before any lock is taken.
  ASSIGN_OR_RETURN(RestorePlan plan, plan_restore(provider_, config_, id_, so_pin, image));
  std::lock_guard write(write_mu_);
  std::unique_lock lock(mu_);
  if (meta_.initialized) {
    // Replacing a token takes its SO PIN, as C_InitToken does: a backup of
    // some other token must not be a way around it.
    Result<SecureBytes> current = verify_pin_locked(lock, PinRole::kSecurityOfficer, so_pin);
    if (current.rv() == CKR_PIN_INCORRECT) {
      return Status(CKR_PIN_INCORRECT, "the SO PIN opens the backup but is not the SO PIN of the token in slot " +
                                           std::to_string(id_));
    }
    RETURN_IF_ERROR(current.status());
  }
  RETURN_IF_ERROR(store_->replace_all(plan.content));
  become_new_token(plan.meta);
  RETURN_IF_ERROR(load_objects(/*private_ones=*/false));
  return plan.outcome;
}

}  // namespace craton
