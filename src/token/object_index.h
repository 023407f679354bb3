// ObjectIndex: the objects of one token that are in memory, by handle, with
// secondary indexes on CKA_LABEL and CKA_ID so that C_FindObjects on those
// (what real clients search by) touches only the matching objects.
//
// Objects are immutable snapshots (object/object.h); updating one replaces
// the pointer. A SharedMutex lets any number of sessions read concurrently
// (core/mutex.h: with application mutex callbacks, readers serialise).
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/mutex.h"
#include "object/object.h"

namespace craton {

class ObjectIndex {
 public:
  void insert(ObjectPtr object);
  // Replaces the object with the same handle (CKR_OBJECT_HANDLE_INVALID if gone).
  Status replace(ObjectPtr object);
  ObjectPtr erase(CK_OBJECT_HANDLE handle);
  ObjectPtr get(CK_OBJECT_HANDLE handle) const;

  // Removes every object matching `pred`; returns what was removed.
  std::vector<ObjectPtr> erase_if(const std::function<bool(const Object&)>& pred);

  // Handles of objects that match `tmpl` and pass `visible`, in handle order.
  std::vector<CK_OBJECT_HANDLE> find(const AttributeMap& tmpl,
                                     const std::function<bool(const Object&)>& visible) const;

  std::size_t size() const;
  void for_each(const std::function<void(const ObjectPtr&)>& fn) const;

 private:
  using Key = std::string;
  static Key key_of(const AttributeMap& attrs, CK_ATTRIBUTE_TYPE type);
  void index_locked(const ObjectPtr& object);
  void unindex_locked(const Object& object);

  mutable SharedMutex mu_;
  std::unordered_map<CK_OBJECT_HANDLE, ObjectPtr> by_handle_;
  std::unordered_multimap<Key, CK_OBJECT_HANDLE> by_label_;
  std::unordered_multimap<Key, CK_OBJECT_HANDLE> by_id_;
};

}  // namespace craton
