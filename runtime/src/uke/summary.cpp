#include "receptor/uke/summary.hpp"

#include <cstdio>
#include <set>

#include "receptor/dates.hpp"
#include "receptor/encoding.hpp"

namespace receptor::uke {

using namespace receptor::model;

file_summary summarize(const receipt_batch& b) {
  file_summary s;
  s.file = b.source;
  s.kind = b.kind;
  s.payer_side = b.side == file_side::payer;
  s.encoding = b.encoding;
  s.billing_month = b.billing_month;
  s.receipts = b.receipts.size();
  for (unsigned i = 0; i < b.record_counts.size(); ++i)
    if (b.record_counts[i] != 0)
      s.records[record_id::from_index(i).str()] = b.record_counts[i];
  for (size_t r = 0; r < b.receipts.size(); ++r) {
    if (b.receipts.points[r] != no_value)
      s.points += b.receipts.points[r];
    if (b.receipts.claimed_points[r] != no_value)
      s.claimed_points += b.receipts.claimed_points[r];
    std::set<unsigned> laws;
    for (auto c = b.receipts.coverage_begin[r]; c < b.receipts.coverage_end[r]; ++c)
      if (b.coverages.record[c] == rec::KO)
        laws.insert(b.coverages.law_no[c]);
    for (auto law : laws)
      ++s.by_law[law];
  }
  s.corrections = b.corrections.size();
  s.go_present = b.go.present;
  s.go_claims = b.go.claims;
  s.go_points = b.go.points;
  s.quarantined = b.quarantine.size();
  s.lines = b.lines;
  s.bytes = b.bytes;
  return s;
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

namespace {

void append_diagnostics(std::string& out, const receipt_batch& b, severity level) {
  bool first = true;
  out += '[';
  for (auto& d : b.diagnostics) {
    if (d.level != level)
      continue;
    if (!first)
      out += ',';
    first = false;
    out += "{\"line\":" + std::to_string(d.line) + ",\"record\":\"" + d.record.str()
           + "\",\"field\":" + std::to_string(d.field) + ",\"message\":\"" + json_escape(d.message)
           + "\"}";
  }
  out += ']';
}

} // namespace

std::string to_json(const file_summary& s, const receipt_batch& b) {
  std::string out = "{\"file\":\"" + json_escape(s.file) + "\"";
  out += ",\"format\":\"" + std::string{to_string(s.kind)} + "\"";
  out += ",\"payer_side\":" + std::string{s.payer_side ? "true" : "false"};
  out += ",\"encoding\":\"" + std::string{to_string(s.encoding)} + "\"";
  out += ",\"billing_month\":";
  out += s.billing_month ? "\"" + iso_month(s.billing_month) + "\"" : "null";
  out += ",\"receipts\":" + std::to_string(s.receipts);
  out += ",\"records\":{";
  bool first = true;
  for (auto& [id, n] : s.records) {
    out += (first ? "\"" : ",\"") + id + "\":" + std::to_string(n);
    first = false;
  }
  out += "},\"points\":" + std::to_string(s.points);
  out += ",\"claimed_points\":" + std::to_string(s.claimed_points);
  out += ",\"corrections\":" + std::to_string(s.corrections);
  out += ",\"go\":";
  out += s.go_present ? "{\"claims\":" + std::to_string(s.go_claims) + ",\"points\":"
                          + std::to_string(s.go_points) + "}"
                      : "null";
  out += ",\"by_law\":{";
  first = true;
  for (auto& [law, n] : s.by_law) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02u", law);
    out += (first ? "\"" : ",\"") + std::string{buf} + "\":" + std::to_string(n);
    first = false;
  }
  out += "},\"quarantined\":" + std::to_string(s.quarantined);
  out += ",\"lines\":" + std::to_string(s.lines) + ",\"bytes\":" + std::to_string(s.bytes);
  out += ",\"errors\":";
  append_diagnostics(out, b, severity::error);
  out += ",\"warnings\":";
  append_diagnostics(out, b, severity::warning);
  out += '}';
  return out;
}

std::string to_text(const file_summary& s, const receipt_batch& b) {
  std::string out = s.file + "\n";
  auto line = [&](const char* key, const std::string& value) {
    out += "  ";
    out += key;
    out += ": " + value + "\n";
  };
  line("format", std::string{to_string(s.kind)} + (s.payer_side ? " (payer side)" : " (institution side)"));
  line("encoding", to_string(s.encoding));
  line("billing month", iso_month(s.billing_month));
  line("receipts", std::to_string(s.receipts));
  std::string records;
  for (auto& [id, n] : s.records)
    records += id + " " + std::to_string(n) + "  ";
  line("records", records);
  line("points", std::to_string(s.points)
                   + (s.corrections ? " (claimed " + std::to_string(s.claimed_points) + ", "
                                        + std::to_string(s.corrections) + " JY corrections)"
                                    : std::string{}));
  if (s.go_present) {
    std::string go = std::to_string(s.go_claims) + " claims, " + std::to_string(s.go_points) + " points";
    line("GO", go);
  }
  std::string laws;
  for (auto& [law, n] : s.by_law) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%02u: %llu  ", law, static_cast<unsigned long long>(n));
    laws += buf;
  }
  line("公費 by 法別", laws.empty() ? "none" : laws);
  line("quarantined lines", std::to_string(s.quarantined));
  for (auto& d : b.diagnostics) {
    out += d.level == severity::error ? "  error" : "  warning";
    out += " line " + std::to_string(d.line);
    if (d.record.valid())
      out += " " + d.record.str();
    if (d.field >= 0)
      out += " field " + std::to_string(d.field);
    out += ": " + d.message + "\n";
  }
  return out;
}

} // namespace receptor::uke
