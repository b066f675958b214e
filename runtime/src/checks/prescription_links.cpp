#include <set>
#include <tuple>

#include "evidence.hpp"

namespace receptor::checks {

using namespace detail;

void check_prescription_links(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  // Who saw the person when, and which pharmacy receipts name which prescriber.
  std::set<std::pair<std::string, uint32_t>> seen;       // (institution, month) of 医科/DPC/歯科 claims
  std::set<std::pair<std::string, uint32_t>> dispensed;  // (prescriber, month) of 調剤 claims
  for (auto* c : p.claims) {
    if (pharmacy(*c))
      dispensed.insert({c->prescriber, c->month});
    else
      seen.insert({c->institution, c->month});
  }
  for (auto* c : p.claims) {
    if (pharmacy(*c)) {
      if (c->prescriber.empty() || seen.count({c->prescriber, c->month}))
        continue;
      out.push_back(receipt_finding(p, *c, "DISPENSING_WITHOUT_PRESCRIPTION", 0,
                                    "処方元 " + c->prescriber + " に " + iso_month(c->month)
                                      + " の医科レセプトがない (薬局 " + c->institution + ")"));
      continue;
    }
    if (!medical(*c))
      continue;
    uint32_t fee = 0;
    for (auto code : c->procedures)
      if (cx.facts.prescription_fee(code)) {
        fee = code;
        break;
      }
    if (!fee)
      continue;
    auto next = add_months(c->month, 1);
    // Dispensing may come next month; decide only once that month is held.
    if (cx.as_of_month < next)
      continue;
    if (dispensed.count({c->institution, c->month}) || dispensed.count({c->institution, next}))
      continue;
    out.push_back(receipt_finding(p, *c, "PRESCRIPTION_NOT_DISPENSED", 0,
                                  cx.facts.marker_name(fee) + " を算定、" + iso_month(c->month) + "〜"
                                    + iso_month(next) + " に " + c->institution + " を処方元とする調剤レセプトがない"));
  }
}

} // namespace receptor::checks
