#include "audit/audit_checkpoint.h"

#include <charconv>

namespace craton {

std::string format_audit_checkpoint(const AuditCheckpoint& checkpoint) {
  std::string out(kAuditCheckpointPrefix);
  out += std::to_string(checkpoint.seq);
  out += ':';
  out += hash_view(checkpoint.hash);
  return out;
}

Result<AuditCheckpoint> parse_audit_checkpoint(std::string_view text) {
  const auto bad = [](std::string why) {
    return Status(CKR_ARGUMENTS_BAD, "not a checkpoint (" + why + "); expected " + std::string(kAuditCheckpointPrefix) +
                                         "<seq>:<64 hex>, as printed by `audit checkpoint`");
  };
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return bad("empty");
  text = text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
  if (!text.starts_with(kAuditCheckpointPrefix)) {
    if (text.starts_with("craton-audit-checkpoint:")) return bad("unsupported version");
    return bad("wrong prefix");
  }
  text.remove_prefix(kAuditCheckpointPrefix.size());
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return bad("no ':' between seq and hash");
  const std::string_view seq_text = text.substr(0, colon);
  const std::string_view hash_text = text.substr(colon + 1);
  AuditCheckpoint checkpoint;
  const auto [end, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), checkpoint.seq);
  if (seq_text.empty() || ec != std::errc() || end != seq_text.data() + seq_text.size() || seq_text[0] == '0' ||
      seq_text[0] == '+' || seq_text[0] == '-') {
    return bad("seq is not a decimal number >= 1");
  }
  if (!is_audit_hash_hex(hash_text)) return bad("hash is not 64 lowercase hex characters");
  checkpoint.hash = to_audit_hash(hash_text);
  return checkpoint;
}

}  // namespace craton
