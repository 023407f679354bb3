// docs/mechanisms.md lists every registry row with its value and its
// approved-only status: the page cannot drift from the tables.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "crypto/mechanism.h"

namespace craton::crypto {
namespace {

// The page's table rows, by mechanism name: "| `CKM_X` | 0x1 | ... | status |".
std::map<std::string, std::string> documented_rows() {
  std::ifstream in(std::string(CRATON_SOURCE_DIR) + "/docs/mechanisms.md");
  EXPECT_TRUE(in.good()) << "docs/mechanisms.md not found";
  std::map<std::string, std::string> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `CKM_", 0) != 0) continue;
    const std::size_t end = line.find('`', 3);
    rows.emplace(line.substr(3, end - 3), line);  // the first table that names it
  }
  return rows;
}

std::string hex(CK_MECHANISM_TYPE type) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "| 0x%lx |", static_cast<unsigned long>(type));
  return buf;
}

std::string status_column(const std::string& row) {
  const std::size_t last = row.rfind('|', row.size() - 2);
  return row.substr(last + 2);
}

TEST(MechanismsDocTest, EveryRowIsDocumentedWithItsValueAndStatus) {
  const auto rows = documented_rows();
  for (const MechanismEntry& e : all_mechanisms()) {
    auto it = rows.find(e.name);
    ASSERT_NE(it, rows.end()) << e.name << " is missing from docs/mechanisms.md";
    EXPECT_NE(it->second.find(hex(e.type)), std::string::npos) << e.name << ": wrong value in the docs";
    const std::string status = status_column(it->second);
    const bool approved = e.approved && !e.legacy;
    EXPECT_EQ(approved, status.rfind("approved", 0) == 0) << e.name << ": docs say \"" << status << "\"";
    EXPECT_EQ(e.legacy, status.rfind("legacy", 0) == 0) << e.name;
  }
  EXPECT_EQ(rows.size(), all_mechanisms().size()) << "docs/mechanisms.md lists a mechanism the registry lacks";
}

}  // namespace
}  // namespace craton::crypto
