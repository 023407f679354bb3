#include "audit/audit_export.h"

#include <gtest/gtest.h>

#include <regex>

#include "audit/audit_event.h"
#include "audit/audit_format.h"

namespace craton {
namespace {

const std::string kHash(64, 'a');
const std::string kPrev(64, 'b');

// A canonical line as the writer produces it.
std::string entry_line(const AuditEvent& event, std::uint64_t seq = 7, std::uint64_t pid = 4242) {
  AuditEntryFormatter formatter;
  std::string line;
  const timespec ts{1740832496, 789000000};  // 2025-03-01T12:34:56.789Z
  formatter.append_payload_open(line, seq, ts, event, pid, kPrev);
  AuditEntryFormatter::append_hash(line, to_audit_hash(kHash));
  line.pop_back();  // '\n'
  return line;
}

AuditEvent login_event(CK_RV rv) {
  AuditEvent e;
  e.type = AuditEventType::kLogin;
  e.slot = 0;
  e.session = 3;
  e.role = AuditRole::kSecurityOfficer;
  e.rv = rv;
  return e;
}

// RFC 5424 §6 with the parts this exporter produces.
const std::regex kSyslogLine(
    R"(<([0-9]{1,3})>1 ([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{1,6}Z) ([!-~]{1,255}) )"
    R"(craton-hsm ([0-9]+) ([!-~]{1,32}) ((?:\[[^ =\]"]{1,32}(?: [^ =\]"]{1,32}="(?:[^"\\\]]|\\["\\\]])*")*\])+) )"
    R"(([ -~]*))");

TEST(AuditExportTest, ParsesEveryMember) {
  AuditEvent e = login_event(CKR_PIN_INCORRECT);
  e.mechanism = CKM_ECDSA;
  e.object = 11;
  e.object2 = 12;
  e.label = "ops key";
  e.detail = {{"reason", "test"}, {"n", "2"}};
  auto r = parse_audit_record(entry_line(e));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->seq, 7u);
  EXPECT_EQ(r->time, "2025-03-01T12:34:56.789Z");
  EXPECT_EQ(r->event, "login");
  EXPECT_EQ(r->slot, 0u);
  EXPECT_EQ(r->session, 3u);
  EXPECT_EQ(r->role, "so");
  EXPECT_EQ(r->mechanism, "CKM_ECDSA");
  EXPECT_EQ(r->object, 11u);
  EXPECT_EQ(r->object2, 12u);
  EXPECT_EQ(r->label, "ops key");
  EXPECT_EQ(r->rv, "CKR_PIN_INCORRECT");
  EXPECT_EQ(r->pid, 4242u);
  ASSERT_EQ(r->detail.size(), 2u);
  EXPECT_EQ(r->detail[0], (std::pair<std::string, std::string>{"reason", "test"}));
  EXPECT_EQ(r->prev, kPrev);
  EXPECT_EQ(r->hash, kHash);
}

TEST(AuditExportTest, NullMembersAreEmpty) {
  AuditEvent e;
  e.type = AuditEventType::kInitialize;
  auto r = parse_audit_record(entry_line(e));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->slot || r->session || r->role || r->mechanism || r->object || r->object2 || r->label);
  EXPECT_TRUE(r->detail.empty());
}

TEST(AuditExportTest, RejectsWrongTypes) {
  const std::string good = entry_line(login_event(CKR_OK));
  EXPECT_FALSE(parse_audit_record("not json").ok());
  EXPECT_FALSE(parse_audit_record("[1,2]").ok());
  const std::pair<std::string, std::string> edits[] = {
      {"\"seq\":7", "\"seq\":-7"},       {"\"slot\":0", "\"slot\":\"0\""}, {"\"role\":\"so\"", "\"role\":1"},
      {"\"rv\":\"CKR_OK\"", "\"rv\":0"}, {"\"pid\":4242", "\"pid\":null"},
  };
  for (const auto& [from, to] : edits) {
    std::string line = good;
    line.replace(line.find(from), from.size(), to);
    auto r = parse_audit_record(line);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_NE(r.status().message().find(from.substr(0, from.find(':'))), std::string::npos) << r.status().message();
  }
}

TEST(AuditExportTest, SeverityFollowsResultAndEventClass) {
  AuditRecord r;
  r.event = "login";
  r.rv = "CKR_OK";
  EXPECT_EQ(audit_syslog_severity(r), 5);
  r.rv = "CKR_PIN_INCORRECT";
  EXPECT_EQ(audit_syslog_severity(r), 4);
  r.event = "sign";
  EXPECT_EQ(audit_syslog_severity(r), 4);
  r.rv = "CKR_OK";
  EXPECT_EQ(audit_syslog_severity(r), 6);
  r.event = "from_a_later_version";
  EXPECT_EQ(audit_syslog_severity(r), 5);
}

TEST(AuditExportTest, SyslogLineHasEveryField) {
  AuditEvent e = login_event(CKR_PIN_INCORRECT);
  auto r = parse_audit_record(entry_line(e));
  ASSERT_TRUE(r.ok());
  AuditSyslogOptions o;
  o.hostname = "hsm1.example.org";
  const std::string line = format_audit_syslog(*r, o);
  EXPECT_EQ(line,
            "<84>1 2025-03-01T12:34:56.789Z hsm1.example.org craton-hsm 4242 login "
            "[craton@32473 seq=\"7\" slot=\"0\" session=\"3\" role=\"so\" rv=\"CKR_PIN_INCORRECT\" hash=\"" +
                kHash + "\"] login CKR_PIN_INCORRECT");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(line, m, kSyslogLine)) << line;
  EXPECT_EQ(m[1], "84");  // authpriv.warning
}

TEST(AuditExportTest, SyslogFacilityEnterpriseNumberAndDetail) {
  AuditEvent e;
  e.type = AuditEventType::kInitialize;
  e.detail = {{"known answer tests", "41 passed"}, {"a=b]\"c", "x"}, {std::string(40, 'n'), "long"}};
  auto r = parse_audit_record(entry_line(e));
  ASSERT_TRUE(r.ok());
  AuditSyslogOptions o;
  o.facility = kSyslogFacilityLocal0;
  o.enterprise_number = 99999;
  const std::string line = format_audit_syslog(*r, o);
  EXPECT_TRUE(line.starts_with("<133>1 2025-03-01T12:34:56.789Z - craton-hsm 4242 initialize [craton@99999 seq=\"7\" "))
      << line;
  EXPECT_NE(line.find("][craton-detail@99999 known_answer_tests=\"41 passed\" a_b__c=\"x\" " + std::string(32, 'n') +
                      "=\"long\"] initialize CKR_OK"),
            std::string::npos)
      << line;
  EXPECT_TRUE(std::regex_match(line, kSyslogLine)) << line;
}

TEST(AuditExportTest, SdParamValuesAreEscaped) {
  EXPECT_EQ(escape_sd_param_value("plain"), "plain");
  EXPECT_EQ(escape_sd_param_value(R"(a"b]c\d)"), R"(a\"b\]c\\d)");
  EXPECT_EQ(escape_sd_param_value("line\nbreak\x7f"), "line\\u000abreak\\u007f");
  EXPECT_EQ(escape_sd_param_value("caf\xC3\xA9"), "caf\xC3\xA9");  // UTF-8 is kept

  AuditEvent e = login_event(CKR_OK);
  e.type = AuditEventType::kInitToken;
  e.label = R"(we"ird] \label)";
  auto r = parse_audit_record(entry_line(e));
  ASSERT_TRUE(r.ok());
  const std::string line = format_audit_syslog(*r, {});
  EXPECT_NE(line.find(R"( label="we\"ird\] \\label" )"), std::string::npos) << line;
  EXPECT_TRUE(std::regex_match(line, kSyslogLine)) << line;
}

TEST(AuditExportTest, HeaderFieldsStayPrintableAscii) {
  AuditRecord r;
  r.time = "yesterday";
  r.event = std::string("bad event\xC3\xA9") + std::string(40, 'x');
  r.rv = "CKR_OK";
  r.hash = kHash;
  AuditSyslogOptions o;
  o.hostname = "host name";
  const std::string line = format_audit_syslog(r, o);
  EXPECT_TRUE(line.starts_with("<85>1 - host_name craton-hsm 0 bad_event__" + std::string(21, 'x') + " [craton@"))
      << line;
  EXPECT_TRUE(line.ends_with(" bad event??" + std::string(40, 'x') + " CKR_OK")) << line;
}

}  // namespace
}  // namespace craton
