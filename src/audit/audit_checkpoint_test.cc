#include "audit/audit_checkpoint.h"

#include <gtest/gtest.h>

namespace craton {
namespace {

const std::string kHash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

TEST(AuditCheckpointTest, FormatsOneToken) {
  const AuditCheckpoint cp{42, to_audit_hash(kHash)};
  EXPECT_EQ(format_audit_checkpoint(cp), "craton-audit-checkpoint:v1:42:" + kHash);
}

TEST(AuditCheckpointTest, RoundTripsAndIgnoresSurroundingWhitespace) {
  const AuditCheckpoint cp{18446744073709551615ull, to_audit_hash(kHash)};
  const std::string text = format_audit_checkpoint(cp);
  auto parsed = parse_audit_checkpoint(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, cp);
  parsed = parse_audit_checkpoint("  " + text + "\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, cp);
}

TEST(AuditCheckpointTest, RejectsMalformedValues) {
  const std::string p = "craton-audit-checkpoint:v1:";
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"42:" + kHash, "wrong prefix"},
      {"craton-audit-checkpoint:v2:1:" + kHash, "unsupported version"},
      {p + "1" + kHash, "no ':'"},
      {p + ":" + kHash, "seq"},
      {p + "0:" + kHash, "seq"},
      {p + "007:" + kHash, "seq"},
      {p + "-1:" + kHash, "seq"},
      {p + "+1:" + kHash, "seq"},
      {p + "1x:" + kHash, "seq"},
      {p + "18446744073709551616:" + kHash, "seq"},  // 2^64
      {p + "1:" + kHash.substr(1), "hash"},
      {p + "1:" + kHash + "0", "hash"},
      {p + "1:" + std::string(64, 'A'), "hash"},
      {p + "1:" + kHash + " extra", "hash"},
  };
  for (const auto& [text, why] : cases) {
    auto parsed = parse_audit_checkpoint(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().rv(), CKR_ARGUMENTS_BAD);
    EXPECT_NE(parsed.status().message().find(why), std::string::npos) << text << ": " << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("audit checkpoint"), std::string::npos);
  }
}

}  // namespace
}  // namespace craton
