#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "receptor/error.hpp"

namespace receptor::privacy {

/// Environment variable naming the audit log.
constexpr const char* audit_log_variable = "RECEPTOR_AUDIT_LOG";

/// A value of an audit entry: text, an integer or a list of texts.
using audit_value = std::variant<std::string, int64_t, std::vector<std::string>>;

/// The fields of an entry (`user, role, action, office, subjects, rows`, or
/// more); `seq`, `ts`, `prev_hash` and `hash` are filled in by append_audit.
using audit_fields = std::map<std::string, audit_value>;

/// Canonical JSON of `fields`: keys sorted, no spaces, UTF-8 kept as is,
/// and string escapes exactly as Python's `json.dumps(..., sort_keys=True,
/// separators=(",", ":"), ensure_ascii=False)` writes them.
std::string canonical_json(const audit_fields& fields);

/// Appends one entry to the hash-chained audit log at `path` (docs/privacy.md):
/// seq = previous seq + 1 (1 for the first), ts = now in UTC ISO 8601,
/// prev_hash = the previous line's hash ("" for the first) and hash =
/// SHA-256 hex of the canonical JSON of the entry without `hash`. The line
/// is the canonical JSON with `hash`. The file is created with mode 0600 and
/// locked (flock) while appending; the line is fsynced.
error append_audit(const std::filesystem::path& path, audit_fields fields);

/// SHA-256 of `bytes` as 64 hex digits.
std::string sha256_hex(std::string_view bytes);

} // namespace receptor::privacy
