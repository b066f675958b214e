#include <algorithm>
#include <map>

#include "evidence.hpp"

namespace receptor::checks {

using namespace detail;

namespace {

constexpr uint8_t rehabilitation = 15; // 更生医療: dialysis
constexpr uint8_t psychiatric_outpatient = 21; // 精神通院

// The scheme a claim's care belongs to and the procedure that shows it; 0 if none.
std::pair<uint8_t, uint32_t> marker_of(const match::claim& c, const clinical_facts& facts) {
  if (!medical(c))
    return {0, 0};
  for (auto code : c.procedures)
    if (facts.dialysis(code))
      return {rehabilitation, code};
  if (medical_outpatient(c))
    for (auto code : c.procedures)
      if (facts.psychiatric(code))
        return {psychiatric_outpatient, code};
  return {0, 0};
}

bool held_between(const person_view& p, uint8_t law, uint32_t from, uint32_t to) {
  return std::any_of(p.schemes.begin(), p.schemes.end(), [&](const match::scheme_row* s) {
    return s->law_no == law && s->valid_from <= to && (s->valid_to == 0 || s->valid_to >= from);
  });
}

// Held on a care day of the claim (or during its month when it has no days).
bool held_for(const person_view& p, uint8_t law, const match::claim& c) {
  if (!c.care_days)
    return held_between(p, law, c.month * 100 + 1, last_day_of(c.month));
  for (int d = 0; d < 31; ++d)
    if (c.care_days & (1u << d)) {
      auto day = c.month * 100 + static_cast<uint32_t>(d + 1);
      if (held_between(p, law, day, day))
        return true;
    }
  return false;
}

const char* scheme_name(uint8_t law) { return law == rehabilitation ? "更生医療(15)" : "精神通院(21)"; }

} // namespace

void check_other_schemes(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  // (month, law) → a marker procedure, and whether a claim of the month bills that law.
  std::map<std::pair<uint32_t, uint8_t>, std::pair<uint32_t, bool>> shown;
  for (auto* c : p.claims) {
    auto [law, code] = marker_of(*c, cx.facts);
    for (auto other : c->other_laws)
      shown[{c->month, other}].second = true;
    if (!law)
      continue;
    auto& s = shown[{c->month, law}];
    if (!s.first)
      s.first = code;
    bool alone = !c->insured && c->other_laws.empty();
    if (alone && held_for(p, law, *c))
      out.push_back(receipt_finding(p, *c, "OTHER_SCHEME_FIRST", law,
                                    std::string{scheme_name(law)} + " を保有しているのに生活保護単独で請求: "
                                      + cx.facts.marker_name(code)));
  }
  for (auto& [key, s] : shown) {
    auto [month, law] = key;
    auto [code, billed] = s;
    if (!code || billed || held_between(p, law, month * 100 + 1, last_day_of(month)))
      continue;
    out.push_back(person_finding(p, "OTHER_SCHEME_CANDIDATE", month, "", law,
                                 std::string{scheme_name(law)} + " の対象となりうる医療 (" + cx.facts.marker_name(code)
                                   + ") があり、同制度を保有していない"));
  }
}

} // namespace receptor::checks
