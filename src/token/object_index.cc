#include "token/object_index.h"

#include <algorithm>
#include <mutex>

namespace craton {
namespace {

void erase_pair(std::unordered_multimap<std::string, CK_OBJECT_HANDLE>& index, const std::string& key,
                CK_OBJECT_HANDLE handle) {
  auto [begin, end] = index.equal_range(key);
  for (auto it = begin; it != end; ++it) {
    if (it->second == handle) {
      index.erase(it);
      return;
    }
  }
}

}  // namespace

ObjectIndex::Key ObjectIndex::key_of(const AttributeMap& attrs, CK_ATTRIBUTE_TYPE type) {
  ByteView v = attrs.bytes_or_empty(type);
  return Key(v.begin(), v.end());
}

void ObjectIndex::index_locked(const ObjectPtr& object) {
  by_handle_[object->handle] = object;
  if (object->attrs.has(CKA_LABEL)) by_label_.emplace(key_of(object->attrs, CKA_LABEL), object->handle);
  if (object->attrs.has(CKA_ID)) by_id_.emplace(key_of(object->attrs, CKA_ID), object->handle);
}

void ObjectIndex::unindex_locked(const Object& object) {
  if (object.attrs.has(CKA_LABEL)) erase_pair(by_label_, key_of(object.attrs, CKA_LABEL), object.handle);
  if (object.attrs.has(CKA_ID)) erase_pair(by_id_, key_of(object.attrs, CKA_ID), object.handle);
  by_handle_.erase(object.handle);
}

void ObjectIndex::insert(ObjectPtr object) {
  std::unique_lock lock(mu_);
  // Re-inserting a handle (a token object loaded again at login) replaces it.
  if (auto it = by_handle_.find(object->handle); it != by_handle_.end()) {
    ObjectPtr old = it->second;
    unindex_locked(*old);
  }
  index_locked(object);
}

Status ObjectIndex::replace(ObjectPtr object) {
  std::unique_lock lock(mu_);
  auto it = by_handle_.find(object->handle);
  if (it == by_handle_.end()) return Status(CKR_OBJECT_HANDLE_INVALID, "object was destroyed");
  ObjectPtr old = it->second;
  unindex_locked(*old);
  index_locked(object);
  return Status::Ok();
}

ObjectPtr ObjectIndex::erase(CK_OBJECT_HANDLE handle) {
  std::unique_lock lock(mu_);
  auto it = by_handle_.find(handle);
  if (it == by_handle_.end()) return nullptr;
  ObjectPtr old = it->second;
  unindex_locked(*old);
  return old;
}

ObjectPtr ObjectIndex::get(CK_OBJECT_HANDLE handle) const {
  std::shared_lock lock(mu_);
  auto it = by_handle_.find(handle);
  return it == by_handle_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> ObjectIndex::erase_if(const std::function<bool(const Object&)>& pred) {
  std::unique_lock lock(mu_);
  std::vector<ObjectPtr> removed;
  for (const auto& [handle, object] : by_handle_) {
    if (pred(*object)) removed.push_back(object);
  }
  for (const auto& object : removed) unindex_locked(*object);
  return removed;
}

std::vector<CK_OBJECT_HANDLE> ObjectIndex::find(const AttributeMap& tmpl,
                                                const std::function<bool(const Object&)>& visible) const {
  std::shared_lock lock(mu_);
  std::vector<CK_OBJECT_HANDLE> out;
  auto consider = [&](const ObjectPtr& object) {
    if (object->attrs.matches(tmpl) && visible(*object)) out.push_back(object->handle);
  };
  // Use the most selective index the template allows; fall back to a scan.
  const std::unordered_multimap<Key, CK_OBJECT_HANDLE>* index = nullptr;
  Key key;
  if (tmpl.has(CKA_ID)) {
    index = &by_id_;
    key = key_of(tmpl, CKA_ID);
  } else if (tmpl.has(CKA_LABEL)) {
    index = &by_label_;
    key = key_of(tmpl, CKA_LABEL);
  }
  if (index != nullptr) {
    auto [begin, end] = index->equal_range(key);
    for (auto it = begin; it != end; ++it) consider(by_handle_.at(it->second));
  } else {
    for (const auto& [handle, object] : by_handle_) consider(object);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t ObjectIndex::size() const {
  std::shared_lock lock(mu_);
  return by_handle_.size();
}

void ObjectIndex::for_each(const std::function<void(const ObjectPtr&)>& fn) const {
  std::shared_lock lock(mu_);
  for (const auto& [handle, object] : by_handle_) fn(object);
}

}  // namespace craton
