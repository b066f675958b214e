#include "receptor/match/person_book.hpp"

#include "receptor/dates.hpp"
#include "receptor/match/person_ref.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

namespace receptor::match {

const char* to_string(status s) {
  switch (s) {
    case status::matched: return "MATCHED";
    case status::no_ticket: return "NO_TICKET";
    case status::institution_mismatch: return "INSTITUTION_MISMATCH";
    case status::care_type_mismatch: return "CARE_TYPE_MISMATCH";
    case status::outside_validity: return "OUTSIDE_VALIDITY";
    case status::not_protected: return "NOT_PROTECTED";
    case status::person_mismatch: return "PERSON_MISMATCH";
    case status::copay_mismatch: return "COPAY_MISMATCH";
    case status::unknown_recipient: return "UNKNOWN_RECIPIENT";
    case status::invalid_number: return "INVALID_NUMBER";
    case status::duplicate_claim: return "DUPLICATE_CLAIM";
    case status::insurance_inconsistent: return "INSURANCE_INCONSISTENT";
    case status::no_ticket_feed: return "NO_TICKET_FEED";
    case status::not_welfare: return "";
  }
  return "";
}

uint8_t severity_of(status s) {
  switch (s) {
    case status::no_ticket:
    case status::institution_mismatch:
    case status::not_protected:
    case status::unknown_recipient:
    case status::duplicate_claim: return 3;
    case status::no_ticket_feed:
    case status::matched:
    case status::not_welfare: return 1;
    default: return 2;
  }
}

void sort_findings(std::vector<finding>& findings) {
  std::sort(findings.begin(), findings.end(), [](const finding& a, const finding& b) {
    return std::tie(a.receipt_key, a.ticket_id, a.code, a.finding_id)
           < std::tie(b.receipt_key, b.ticket_id, b.code, b.finding_id);
  });
}

finding receipt_finding(const claim& c, std::string code, uint8_t severity, double value, std::string detail) {
  finding f;
  f.finding_id = make_finding_id(code, c.receipt_key);
  f.code = std::move(code);
  f.severity = severity;
  f.office_no = c.office_no;
  f.person_id = c.person_id;
  f.recipient_no = c.recipient_no;
  f.month = c.month;
  f.institution = c.institution;
  f.receipt_key = c.receipt_key;
  f.value = value;
  f.detail = std::move(detail);
  return f;
}

std::string make_finding_id(std::string_view code, std::string_view subject) {
  // FNV-1a: stable across runs, platforms and shard counts.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char ch : s) {
      h ^= ch;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  mix(code);
  mix(subject);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

status status_from_string(std::string_view code) {
  for (int s = 0; s <= static_cast<int>(status::no_ticket_feed); ++s)
    if (code == to_string(static_cast<status>(s)))
      return static_cast<status>(s);
  return status::not_welfare;
}

std::string person_key(std::string_view office_no, std::string_view person_id) {
  std::string key{office_no};
  key += '|';
  key += person_id;
  return key;
}

std::string person_key(const claim& c) {
  return c.person_id.empty() ? person_key(c.office_no, "#" + c.recipient_no) : person_key(c.office_no, c.person_id);
}

void person_book::offices_with_tickets(std::vector<std::string> offices) {
  std::sort(offices.begin(), offices.end());
  offices.erase(std::unique(offices.begin(), offices.end()), offices.end());
  feed_offices_ = std::move(offices);
}

void person_book::add_tickets(std::vector<ticket_row> rows) {
  for (auto& r : rows)
    tickets_.push_back(std::move(r));
}

void person_book::add_recipients(std::vector<recipient_row> rows) {
  for (auto& r : rows)
    recipients_.push_back(std::move(r));
}

void person_book::add_schemes(std::vector<scheme_row> rows) {
  for (auto& r : rows)
    schemes_.push_back(std::move(r));
}

const std::unordered_map<std::string, std::string>& person_book::duplicate_keys() const {
  if (duplicates_)
    return *duplicates_;
  // 重複請求: the same person, institution, month and care type billed under
  // two keys. The first in file order keeps its status; the others are duplicates.
  std::unordered_map<person_ref, std::vector<const claim*>, person_ref_hash> groups;
  groups.reserve(claims_.size());
  for (auto& c : claims_) {
    if (c.law_no == 0)
      continue;
    auto key = person_of(c);
    key.month = c.month;
    key.care = c.care;
    key.institution = c.institution;
    groups[key].push_back(&c);
  }
  std::unordered_map<std::string, std::string> duplicate_of;
  for (auto& [key, members] : groups) {
    if (members.size() < 2)
      continue;
    auto first = *std::min_element(members.begin(), members.end(), [](const claim* a, const claim* b) {
      return std::tie(a->source_file, a->source_line) < std::tie(b->source_file, b->source_line);
    });
    for (auto* m : members)
      if (m != first)
        duplicate_of[m->receipt_key] = first->receipt_key;
  }
  duplicates_ = std::move(duplicate_of);
  return *duplicates_;
}

void person_book::add_claims(std::vector<claim> claims) {
  duplicates_.reset();
  for (auto& c : claims) {
    auto [it, fresh] = claim_by_key_.emplace(c.receipt_key, claims_.size());
    if (fresh) {
      claims_.push_back(std::move(c));
      continue;
    }
    // A resubmission replaces its original: the claim of the later input
    // (file, then line) wins, whichever READER delivered first.
    auto& held = claims_[it->second];
    if (std::tie(c.source_file, c.source_line) > std::tie(held.source_file, held.source_line))
      held = std::move(c);
  }
}

namespace {

// The first care day of a claim (YYYYMMDD) for which `outside(day)` holds,
// or 0; a receipt without day information counts as care on the first of
// its month. Walks the day bits: no list of dates per claim.
template <class Outside>
uint32_t first_care_day_where(const claim& c, Outside&& outside) {
  uint32_t days = c.care_days == 0 ? 1u : c.care_days;
  for (unsigned d = 0; d < 31; ++d)
    if (days & (1u << d)) {
      auto day = c.month * 100 + d + 1;
      if (outside(day))
        return day;
    }
  return 0;
}

const char* care_name(uint8_t care) {
  switch (care) {
    case 1: return "入院";
    case 2: return "入院外";
    case 3: return "歯科";
    case 4: return "調剤";
    case 5: return "訪問看護";
    default: return "?";
  }
}


} // namespace

match_results person_book::match(uint32_t as_of_month, const std::unordered_set<std::string>* only) const& {
  std::vector<const claim*> order, kept;
  auto out = match_receipts(as_of_month, only, order, kept);
  out.claims.reserve(order.size());
  for (auto* c : order)
    out.claims.push_back(*c);
  for (auto* c : kept)
    out.kept.push_back(*c);
  return out;
}

match_results person_book::match(uint32_t as_of_month, const std::unordered_set<std::string>* only) && {
  std::vector<const claim*> order, kept;
  auto out = match_receipts(as_of_month, only, order, kept);
  // The pointers are into claims_, which this book owns and gives up.
  auto take = [this](const claim* c) { return std::move(claims_[static_cast<size_t>(c - claims_.data())]); };
  out.claims.reserve(order.size());
  for (auto* c : order)
    out.claims.push_back(take(c));
  for (auto* c : kept)
    out.kept.push_back(take(c));
  out.ticket_rows = std::move(tickets_);
  // Spent: its protection periods and schemes go now, not when the SHARD stops.
  *this = person_book{};
  return out;
}

match_results person_book::match_receipts(uint32_t as_of_month, const std::unordered_set<std::string>* only,
                                          std::vector<const claim*>& order,
                                          std::vector<const claim*>& kept) const {
  match_results out;
  auto chosen = [&](const claim& c) { return !only || only->count(person_key(c)) > 0; };
  // Indexes of this book: tickets and protection periods by person. Hashed:
  // the order of the groups never shows in the results.
  std::unordered_map<person_ref, std::vector<const ticket_row*>, person_ref_hash> tickets_by_person;
  tickets_by_person.reserve(tickets_.size());
  for (auto& t : tickets_)
    tickets_by_person[person_ref{t.office_no, t.person_id, t.month}].push_back(&t);
  std::unordered_map<person_ref, std::vector<const recipient_row*>, person_ref_hash> periods;
  periods.reserve(recipients_.size());
  for (auto& r : recipients_)
    periods[person_ref{r.office_no, r.person_id}].push_back(&r);
  auto has_feed = [&](const std::string& office) {
    return std::binary_search(feed_offices_.begin(), feed_offices_.end(), office);
  };

  // Claims in a fixed order: by key, so results never depend on arrival order.
  order.reserve(claims_.size());
  for (auto& c : claims_) {
    if (chosen(c))
      order.push_back(&c);
    else
      kept.push_back(&c);
  }
  std::sort(order.begin(), order.end(), [](const claim* a, const claim* b) { return a->receipt_key < b->receipt_key; });

  auto& duplicates = duplicate_keys();
  std::unordered_set<const ticket_row*> ticket_used;
  // Reused for every claim: a person has a handful of tickets a month.
  std::vector<const ticket_row*> live, here, fitting;
  for (auto* cp : order) {
    const claim& c = *cp;
    receipt_match m;
    m.receipt_key = c.receipt_key;
    m.source_file = c.source_file;
    m.source_line = c.source_line;
    m.person_id = c.person_id;
    if (c.law_no == 0) {
      m.result = status::not_welfare;
      out.receipts.push_back(std::move(m));
      continue;
    }
    std::vector<std::pair<status, std::pair<double, std::string>>> problems;
    auto problem = [&](status s, double value, std::string detail) {
      problems.push_back({s, {value, std::move(detail)}});
    };
    if (!c.office_no_valid || !c.recipient_no_valid)
      problem(status::invalid_number, 0,
              !c.office_no_valid ? "公費負担者番号 " + c.office_no + " の検証番号が一致しない"
                                 : std::string{"受給者番号の検証番号が一致しない"}); // the number: sealed column recipient_no
    if (auto d = duplicates.find(c.receipt_key); d != duplicates.end())
      problem(status::duplicate_claim, 0,
              "same person, institution " + c.institution + " and month " + iso_month(c.month)
                + " as receipt " + d->second);
    if (c.insurance_excluded)
      problem(status::insurance_inconsistent, 0, "国保 or 後期高齢者 HO together with KO " + std::to_string(c.law_no));
    if (!has_feed(c.office_no)) {
      problem(status::no_ticket_feed, 0, "office " + c.office_no + " supplied no ticket feed");
    } else if (c.person_id.empty()) {
      problem(status::unknown_recipient, 0,
              "受給者番号 (recipient_no) on no ticket of " + iso_month(c.month)
                + " and no recipient of the office has this name, birth date and sex");
    } else {
      auto it = tickets_by_person.find(person_ref{c.office_no, c.person_id, c.month});
      live.clear();
      here.clear();
      fitting.clear();
      if (it != tickets_by_person.end())
        for (auto* t : it->second)
          if (t->in_force)
            live.push_back(t);
      for (auto* t : live)
        if (t->institution == c.institution)
          here.push_back(t);
      for (auto* t : here)
        if (t->care == c.care)
          fitting.push_back(t);
      if (live.empty()) {
        problem(status::no_ticket, 0, "person " + c.person_id + " has no ticket for " + iso_month(c.month));
      } else if (here.empty()) {
        std::string names;
        for (auto* t : live)
          names += (names.empty() ? "" : ", ") + t->institution;
        problem(status::institution_mismatch, static_cast<double>(live.size()),
                "tickets for " + iso_month(c.month) + " name " + names + ", not " + c.institution);
      } else if (fitting.empty()) {
        problem(status::care_type_mismatch, 0,
                std::string{"ticket "} + here.front()->ticket_id + " is for " + care_name(here.front()->care)
                  + ", the receipt is " + care_name(c.care));
      } else {
        // Prefer the ticket printed with the receipt's 受給者番号, then the first by id.
        std::sort(fitting.begin(), fitting.end(), [&](const ticket_row* a, const ticket_row* b) {
          bool an = a->recipient_no == c.recipient_no, bn = b->recipient_no == c.recipient_no;
          return an != bn ? an : a->ticket_id < b->ticket_id;
        });
        auto* t = fitting.front();
        m.ticket_id = t->ticket_id;
        ticket_used.insert(t);
        if (auto day = first_care_day_where(c, [t](uint32_t d) { return d < t->valid_from || d > t->valid_to; }))
          problem(status::outside_validity, static_cast<double>(day % 100),
                  "care on " + iso_date(day) + " outside ticket " + t->ticket_id + " valid "
                    + iso_date(t->valid_from) + ".." + iso_date(t->valid_to));
        if (static_cast<int32_t>(t->copay) != c.copay)
          problem(status::copay_mismatch, c.copay,
                  "KO 負担金額 " + std::to_string(c.copay) + " but ticket " + t->ticket_id + " says 本人支払額 "
                    + std::to_string(t->copay));
        if (t->with_insurance != c.insured)
          problem(status::insurance_inconsistent, 0,
                  t->with_insurance ? "ticket " + t->ticket_id + " is 併用 but the receipt has no insurance (HO)"
                                    : "ticket " + t->ticket_id + " is 単独 but the receipt bills insurance (HO)");
      }
      auto p = periods.find(person_ref{c.office_no, c.person_id});
      if (p != periods.end()) {
        auto uncovered = first_care_day_where(c, [&](uint32_t day) {
          return std::none_of(p->second.begin(), p->second.end(), [&](const recipient_row* r) {
            return day >= r->protected_from && (r->protected_to == 0 || day <= r->protected_to);
          });
        });
        if (uncovered)
          problem(status::not_protected, static_cast<double>(uncovered % 100),
                  "care on " + iso_date(uncovered) + " while person " + c.person_id + " was not protected");
        if (c.identified == static_cast<uint8_t>(identity::by_number)) {
          bool same = std::any_of(p->second.begin(), p->second.end(), [&](const recipient_row* r) {
            return r->name_key == c.name_key && r->birth_date == c.birth_date && r->sex == c.sex;
          });
          if (!same) {
            // Which attributes differ, never their values: details are read
            // by people who need not see who the person is.
            auto* r = p->second.front();
            std::string differ;
            if (r->name_key != c.name_key)
              differ += "氏名";
            if (r->birth_date != c.birth_date)
              differ += differ.empty() ? "生年月日" : "・生年月日";
            if (r->sex != c.sex)
              differ += differ.empty() ? "性別" : "・性別";
            problem(status::person_mismatch, 0,
                    "番号は券と一致するが " + differ + " が受給者 " + c.person_id + " と一致しない");
          }
        }
      }
    }
    m.result = status::matched;
    if (!problems.empty()) {
      std::stable_sort(problems.begin(), problems.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      m.result = problems.front().first;
    }
    for (auto& [s, evidence] : problems) {
      auto f = receipt_finding(c, to_string(s), severity_of(s), evidence.first, std::move(evidence.second));
      f.ticket_id = m.ticket_id;
      out.findings.push_back(std::move(f));
    }
    out.receipts.push_back(std::move(m));
  }

  // Tickets: used, cancelled, unused after two further months, or pending.
  std::vector<const ticket_row*> tickets;
  for (auto& t : tickets_)
    if (!only || only->count(person_key(t.office_no, t.person_id)))
      tickets.push_back(&t);
  std::sort(tickets.begin(), tickets.end(), [](auto* a, auto* b) { return a->ticket_id < b->ticket_id; });
  for (auto* t : tickets)
    out.tickets.push_back(use_of_ticket(*t, ticket_used.count(t) > 0, as_of_month, out.findings));
  sort_findings(out.findings);
  return out;
}

ticket_use use_of_ticket(const ticket_row& t, bool used, uint32_t as_of_month, std::vector<finding>& findings) {
  ticket_use u;
  u.ticket_id = t.ticket_id;
  if (t.cancelled || !t.in_force) {
    u.use_status = "cancelled";
  } else if (used) {
    u.use_status = "used";
  } else if (as_of_month != 0 && t.month <= add_months(as_of_month, -2)) {
    u.use_status = "TICKET_UNUSED";
    finding f;
    f.code = "TICKET_UNUSED";
    f.finding_id = make_finding_id(f.code, t.ticket_id);
    f.severity = 1;
    f.office_no = t.office_no;
    f.person_id = t.person_id;
    f.recipient_no = t.recipient_no;
    f.month = t.month;
    f.institution = t.institution;
    f.ticket_id = t.ticket_id;
    f.detail = "ticket " + t.ticket_id + " for " + iso_month(t.month) + " at " + t.institution
               + " has no receipt by " + iso_month(as_of_month);
    findings.push_back(std::move(f));
  } else {
    u.use_status = "pending";
  }
  return u;
}

} // namespace receptor::match
