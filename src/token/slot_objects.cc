// Slot: the token's objects — loading, publishing, updating, destroying.
#include <mutex>

#include "object/template_rules.h"
#include "token/slot.h"

namespace craton {

bool Slot::visible(const Object& object) const {
  return !object.is_private() || login_.load(std::memory_order_acquire) == LoginState::kUser;
}

CK_OBJECT_HANDLE Slot::handle_for_store_id(std::uint64_t store_id) {
  // A token object keeps its handle for the life of the process, even across
  // logout/login, so applications holding a handle are not surprised.
  auto [it, inserted] = handle_of_store_id_.try_emplace(store_id, 0);
  if (inserted) it->second = handles_.next();
  return it->second;
}

Status Slot::load_objects(bool private_ones) {
  ASSIGN_OR_RETURN(std::vector<ObjectRecord> records, store_->load_objects());
  for (ObjectRecord& record : records) {
    if (record.is_private != private_ones) continue;
    AttributeMap attrs;
    if (record.is_private) {
      ASSIGN_OR_RETURN(SecureBytes plain, cipher_->open(record.id, record.version, record.blob));
      ASSIGN_OR_RETURN(attrs, AttributeMap::decode(plain));
    } else {
      ASSIGN_OR_RETURN(attrs, AttributeMap::decode(record.blob));
    }
    auto object = std::make_shared<Object>();
    object->handle = handle_for_store_id(record.id);
    object->store_id = record.id;
    object->version = record.version;
    object->attrs = std::move(attrs);
    objects_.insert(std::move(object));
  }
  return Status::Ok();
}

Result<Bytes> Slot::seal_if_private(const Object& object) const {
  SecureBytes plain = object.attrs.encode();
  if (!object.is_private()) return Bytes(plain.begin(), plain.end());
  std::shared_ptr<const RecordCipher> cipher;
  {
    std::lock_guard lock(mu_);
    cipher = cipher_;
  }
  if (!cipher || login_state() != LoginState::kUser) {
    return Status(CKR_USER_NOT_LOGGED_IN, "private token objects need a logged-in user");
  }
  return cipher->seal(object.store_id, object.version, plain);
}

Result<ObjectPtr> Slot::add_object(AttributeMap attrs, CK_SESSION_HANDLE owner) {
  std::lock_guard write(write_mu_);  // a logout cannot slip between the check and the insert
  auto object = std::make_shared<Object>();
  object->attrs = std::move(attrs);
  object->handle = handles_.next();
  if (object->is_private() && login_state() != LoginState::kUser) {
    return Status(CKR_USER_NOT_LOGGED_IN, "private objects need a logged-in user");
  }
  if (object->is_token()) {
    object->store_id = store_->allocate_object_id();
    assign_unique_id(object->attrs, std::to_string(id_) + "-" + std::to_string(object->store_id));
    ASSIGN_OR_RETURN(Bytes blob, seal_if_private(*object));
    RETURN_IF_ERROR(store_->put_object({object->store_id, object->version, object->is_private(), std::move(blob)}));
    std::lock_guard lock(mu_);
    handle_of_store_id_[object->store_id] = object->handle;
  } else {
    object->owner_session = owner;
    assign_unique_id(object->attrs, "s" + std::to_string(id_) + "-" + std::to_string(object->handle));
  }
  objects_.insert(object);
  return ObjectPtr(object);
}

Status Slot::modify_object(CK_OBJECT_HANDLE handle, const std::function<bool(const Object&)>& may_see,
                           const ObjectEdit& edit) {
  std::lock_guard write(write_mu_);
  ObjectPtr current = objects_.get(handle);
  if (!current || !may_see(*current)) return Status(CKR_OBJECT_HANDLE_INVALID);
  ASSIGN_OR_RETURN(AttributeMap attrs, edit(*current));
  auto object = std::make_shared<Object>();
  object->handle = current->handle;
  object->store_id = current->store_id;
  object->owner_session = current->owner_session;
  object->version = current->version + 1;
  object->attrs = std::move(attrs);
  if (object->is_token()) {
    ASSIGN_OR_RETURN(Bytes blob, seal_if_private(*object));
    RETURN_IF_ERROR(store_->put_object({object->store_id, object->version, object->is_private(), std::move(blob)}));
  }
  return objects_.replace(std::move(object));
}

Status Slot::destroy_object(const ObjectPtr& object) {
  std::lock_guard write(write_mu_);
  // Someone may have destroyed it since the caller looked it up.
  if (!objects_.get(object->handle)) return Status(CKR_OBJECT_HANDLE_INVALID);
  if (object->is_token()) {
    RETURN_IF_ERROR(store_->delete_object(object->store_id));
    std::lock_guard lock(mu_);
    handle_of_store_id_.erase(object->store_id);
  }
  if (!objects_.erase(object->handle)) return Status(CKR_OBJECT_HANDLE_INVALID);
  return Status::Ok();
}

void Slot::drop_session_objects(CK_SESSION_HANDLE session) {
  std::lock_guard write(write_mu_);
  objects_.erase_if([session](const Object& o) { return !o.is_token() && o.owner_session == session; });
}

Result<std::pair<std::size_t, std::size_t>> Slot::stored_object_counts() const {
  ASSIGN_OR_RETURN(std::vector<ObjectRecord> records, store_->load_objects());
  std::pair<std::size_t, std::size_t> counts{0, 0};
  for (const ObjectRecord& record : records) ++(record.is_private ? counts.second : counts.first);
  return counts;
}

}  // namespace craton
