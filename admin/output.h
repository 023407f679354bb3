// What read commands print: a table or "key: value" lines for people, or one
// JSON document with --json (field names documented in docs/cli.md and kept
// stable). Everything goes to stdout; diagnostics go to stderr.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace craton::admin {

using Json = nlohmann::ordered_json;

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Columns padded to their widest cell; the last column is not padded.
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "name: value" lines with the names aligned.
void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

// The whole document, pretty-printed, with a final newline.
void print_json(std::ostream& out, const Json& document);

// Lowercase hex, no separators.
std::string hex(const unsigned char* data, std::size_t size);
template <class Bytes>
std::string hex(const Bytes& bytes) {
  return hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

}  // namespace craton::admin
