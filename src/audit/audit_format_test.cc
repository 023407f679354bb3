#include "audit/audit_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace craton {
namespace {

const std::string kPrev(64, '0');

AuditHashHex fake_hash() { return to_audit_hash(std::string(64, 'a')); }

std::string full_line(const AuditEvent& event, std::uint64_t seq = 1, timespec ts = {1700000000, 123456789}) {
  AuditEntryFormatter formatter;
  std::string out;
  formatter.append_payload_open(out, seq, ts, event, 4242, kPrev);
  AuditEntryFormatter::append_hash(out, fake_hash());
  return out;
}

TEST(AuditFormatTest, CanonicalLayout) {
  AuditEvent e;
  e.type = AuditEventType::kLogin;
  e.slot = 0;
  e.session = 3;
  e.role = AuditRole::kSecurityOfficer;
  e.rv = CKR_PIN_INCORRECT;
  EXPECT_EQ(full_line(e),
            "{\"seq\":1,\"time\":\"2023-11-14T22:13:20.123Z\",\"event\":\"login\",\"slot\":0,\"session\":3,"
            "\"role\":\"so\",\"mechanism\":null,\"object\":null,\"object2\":null,\"label\":null,"
            "\"rv\":\"CKR_PIN_INCORRECT\",\"pid\":4242,\"prev\":\"" +
                kPrev + "\",\"hash\":\"" + std::string(64, 'a') + "\"}\n");
}

TEST(AuditFormatTest, AllFieldsAndDetail) {
  AuditEvent e;
  e.type = AuditEventType::kUnwrapKey;
  e.slot = 2;
  e.session = 9;
  e.role = AuditRole::kUser;
  e.mechanism = CKM_AES_KEY_WRAP;
  e.object = 11;
  e.object2 = 5;
  e.label = "my key";
  e.detail = {{"b", "2"}, {"a", "1"}};
  const std::string line = full_line(e, 42);
  const auto doc = nlohmann::json::parse(line);
  EXPECT_EQ(doc["seq"], 42);
  EXPECT_EQ(doc["event"], "unwrap_key");
  EXPECT_EQ(doc["mechanism"], "CKM_AES_KEY_WRAP");
  EXPECT_EQ(doc["object"], 11);
  EXPECT_EQ(doc["object2"], 5);
  EXPECT_EQ(doc["label"], "my key");
  EXPECT_EQ(doc["rv"], "CKR_OK");
  EXPECT_EQ(doc["pid"], 4242);
  // Detail keeps the event's order (not sorted) and sits just before prev.
  EXPECT_NE(line.find(",\"detail\":{\"b\":\"2\",\"a\":\"1\"},\"prev\":"), std::string::npos);
}

TEST(AuditFormatTest, StringEscapingAndUtf8) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01\x7f", 8));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\x7f\"");
  out.clear();
  append_json_string(out, "caf\xC3\xA9 \xE2\x82\xAC");  // valid UTF-8 kept as is
  EXPECT_EQ(out, "\"caf\xC3\xA9 \xE2\x82\xAC\"");
  out.clear();
  append_json_string(out, "x\xFFy\xC3");  // invalid byte and truncated sequence -> U+FFFD each
  EXPECT_EQ(out, "\"x\xEF\xBF\xBDy\xEF\xBF\xBD\"");
  out.clear();
  append_json_string(out, "\xED\xA0\x80");  // a UTF-16 surrogate encoded in UTF-8 is invalid
  EXPECT_EQ(out, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(AuditFormatTest, TruncatesAtCodePointBoundary) {
  std::string out;
  append_json_string(out, "ab\xE2\x82\xAC", 4);  // the euro sign would cross the limit
  EXPECT_EQ(out, "\"ab\"");
  AuditEvent e;
  e.label = std::string(1000, 'x');
  const auto doc = nlohmann::json::parse(full_line(e));
  EXPECT_EQ(doc["label"].get<std::string>().size(), kAuditMaxLabelBytes);
}

TEST(AuditFormatTest, Time) {
  EXPECT_EQ(format_audit_time({0, 0}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_audit_time({1700000000, 999999999}), "2023-11-14T22:13:20.999Z");
  // The formatter's per-second cache gives the same text.
  AuditEvent e;
  for (long ns : {5000000L, 999000000L}) {
    const auto doc = nlohmann::json::parse(full_line(e, 1, {1700000000, ns}));
    EXPECT_EQ(doc["time"], format_audit_time({1700000000, ns}));
  }
}

TEST(AuditFormatTest, ParseRoundTrip) {
  AuditEvent e;
  e.type = AuditEventType::kSign;
  std::string line = full_line(e, 77);
  line.pop_back();  // '\n'
  auto parsed = parse_audit_line(line);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->seq, 77u);
  EXPECT_EQ(hash_view(parsed->prev), kPrev);
  EXPECT_EQ(parsed->hash, fake_hash());
  EXPECT_EQ(std::string(parsed->payload_open) + ",\"hash\":\"" + std::string(64, 'a') + "\"}", line);
}

TEST(AuditFormatTest, ParseRejects) {
  AuditEvent e;
  std::string good = full_line(e);
  good.pop_back();
  const std::vector<std::string> bad = {
      "",
      "not json",
      good.substr(0, good.size() - 1),                                   // no closing brace
      "{\"seq\":1" + good.substr(good.find(",\"hash\"")),                // no prev
      "{\"seq\":-1,\"prev\":\"" + kPrev + "\"" + good.substr(good.find(",\"hash\"")),
      "{\"seq\":1,\"prev\":\"" + std::string(64, 'A') + "\"" + good.substr(good.find(",\"hash\"")),
      good.substr(0, good.find(",\"hash\"")) + ",\"hash\":\"" + std::string(64, 'z') + "\"}",
      "[" + good.substr(1),
  };
  for (const auto& line : bad) {
    EXPECT_EQ(parse_audit_line(line).rv(), CKR_DATA_INVALID) << line;
  }
}

}  // namespace
}  // namespace craton
