#include "receptor/synth/office_feed_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <string_view>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "receipt.hpp"
#include "receptor/check_digit.hpp"
#include "receptor/dates.hpp"
#include "receptor/feed/normalize.hpp"
#include "receptor/synth/random.hpp"

namespace receptor::synth {

namespace {

using model::receipt_kind;

// Stream tags: the feed draws apart from the receipts. Per-person draws
// come from the person's traits, so a person keeps their protection period
// from month to month.
constexpr uint64_t protection_stream = 0x70726f74;  // "prot"
constexpr uint64_t scheme_stream = 0x7363686d;      // "schm"
constexpr uint64_t issue_stream = 0x69737375;       // "issu"
constexpr uint64_t injection_stream = 0x696e6a00;   // "inj"
constexpr uint64_t reassign_stream = 0x72656173;    // "reas"
constexpr uint64_t ticket_stream = 0x7469636b;      // "tick": the ticket-side injections

// A care day mask never has bit 31 (day 32) set.
constexpr uint32_t days_unknown = ~uint32_t{0};

const char* care_name(uint8_t care) {
  switch (care) {
    case 1: return "入院";
    case 2: return "入院外";
    case 3: return "歯科";
    default: return "調剤";
  }
}

uint32_t add_months(uint32_t yyyymm, int n) {
  const int total = static_cast<int>(yyyymm / 100) * 12 + static_cast<int>(yyyymm % 100) - 1 + n;
  return static_cast<uint32_t>(total / 12) * 100 + static_cast<uint32_t>(total % 12) + 1;
}

// A day of `yyyymm` drawn from [first, last] (clamped to the month).
uint32_t day_in(uint32_t yyyymm, unsigned first, unsigned last, rng& random) {
  last = std::min(last, days_in_month(yyyymm));
  return yyyymm * 100 + static_cast<uint32_t>(random.between(first, last));
}

bool flagged(const std::vector<bool>& people, uint32_t person) { return person < people.size() && people[person]; }

// `value` with zeros in front up to `width` digits.
std::string padded(uint64_t value, size_t width) {
  std::string digits = std::to_string(value);
  return digits.size() < width ? std::string(width - digits.size(), '0') + digits : digits;
}

// What the feed draws per person from the person's traits, beside the protection periods.
struct person_extras {
  std::string address;
  std::string caseworker;
  uint32_t scheme_since = 0;
  uint8_t unbilled_law = 0; // 15 or 21 held but never billed
};

person_extras extras_of(const person& p, const office& o, uint32_t month, const feed_options& feed) {
  rng random{derive_seed(p.traits, scheme_stream)};
  person_extras e;
  e.address = std::string{prefecture_name(o.prefecture)} + "中央" + std::to_string(random.between(1, 9)) + "丁目"
              + std::to_string(random.between(1, 30)) + "-" + std::to_string(random.between(1, 20));
  e.caseworker = "K" + padded(1 + random.below(30), 2);
  e.scheme_since =
    std::max(day_in(add_months(month, -static_cast<int>(1 + random.below(60))), 1, 31, random), p.birth_date);
  if (p.other < 0 && random.chance(feed.extra_scheme_rate))
    e.unbilled_law = random.chance(1.0 / 3) ? 15 : 21;
  return e;
}

unsigned first_day(uint32_t mask) {
  unsigned day = 1;
  for (; (mask & 1) == 0; mask >>= 1)
    ++day;
  return day;
}

unsigned last_day(uint32_t mask) {
  unsigned day = 0;
  for (; mask != 0; mask >>= 1)
    ++day;
  return day;
}

std::string key_of(const institution& inst) {
  return padded(inst.prefecture, 2) + static_cast<char>('0' + inst.table) + inst.code;
}

// A year earlier, as when a 和暦 year is converted wrongly; 29 February
// becomes the 28th.
uint32_t year_earlier(uint32_t yyyymmdd) {
  const uint32_t earlier = yyyymmdd - 10000;
  return earlier % 10000 == 229 && days_in_month(earlier / 100) == 28 ? earlier - 1 : earlier;
}

// The same name with every variant kanji in its standard form (髙 → 高), as
// an office system that only knows JIS X 0208 prints it. Names are UTF-8
// from the population's tables.
std::string standard_spelling(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t cp = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (size_t k = 1; k < length && i + k < utf8.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    const char32_t standard = feed::standard_kanji(cp);
    if (standard == cp) {
      out.append(utf8.substr(i, length));
    } else if (standard < 0x800) {
      out += static_cast<char>(0xC0 | (standard >> 6));
      out += static_cast<char>(0x80 | (standard & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (standard >> 12));
      out += static_cast<char>(0x80 | ((standard >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (standard & 0x3F));
    }
    i += length;
  }
  return out;
}

// One CSV file: RFC 4180 quoting where a value needs it, LF line ends.
class csv_file {
public:
  csv_file(const std::filesystem::path& path, std::initializer_list<std::string_view> header)
    : path_(path), out_(path, std::ios::binary) {
    row(header);
  }

  void row(std::initializer_list<std::string_view> values) {
    bool first = true;
    for (std::string_view v : values) {
      if (!first)
        out_.put(',');
      first = false;
      if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
        out_.write(v.data(), static_cast<std::streamsize>(v.size()));
        continue;
      }
      out_.put('"');
      for (char c : v) {
        if (c == '"')
          out_.put('"');
        out_.put(c);
      }
      out_.put('"');
    }
    out_.put('\n');
    ++rows_;
  }

  // Data rows written (the header not counted).
  size_t rows() const { return rows_ - 1; }

  error close() {
    out_.close();
    if (!out_)
      return make_error(ec::io_error, path_.string() + ": cannot write");
    return {};
  }

private:
  std::filesystem::path path_;
  std::ofstream out_;
  size_t rows_ = 0;
};

// A protection period; `to` 0 = still protected.
struct period {
  uint32_t from = 0;
  uint32_t to = 0;
};

// How a person appears in the feed.
enum class listing : uint8_t {
  as_is,           // recipients.csv as on the receipts
  unknown,         // in no file at all
  standard_kanji,  // name written with standard kanji
  birth_differs,   // birth date a year earlier
};

// Which delivery carries a ticket.
enum class delivery : uint8_t { first, late, none };

// One 医療券・調剤券: the (person, institution, care type) it serves and
// what the office printed on it.
struct ticket_plan {
  std::string id;              // 交付番号
  size_t first_claim = 0;
  uint32_t institution = 0;    // the institution printed
  uint8_t care = 0;            // the care type printed
  uint32_t valid_to = 0;
  uint32_t copay = 0;
  std::string insurer_no;
  delivery in = delivery::first;
  bool cancelled = false;      // status cancelled
  bool correction = false;     // reissued in the month to correct `replaces`
  std::string replaces;        // the ticket this one corrects
  const char* injection = "";  // the ticket-side injection that made it, "" if none
  std::string detail;
};

// What one ticket serves: person, institution and care type.
uint64_t use_key(uint32_t person, uint32_t institution, uint8_t care) {
  return (uint64_t{person} << 32) | (uint64_t{institution} << 3) | care;
}
uint64_t group_key(uint32_t person, const claim& c) { return use_key(person, c.institution, care_type_of(c)); }

// The whole state of one write: the plan of every file and the truth.
class feed_planner {
public:
  feed_planner(const options& opts, const feed_options& feed, const catalog& codes, const population& pop,
               const std::vector<claim>& claims)
    : opts_(opts), feed_(feed), pop_(pop), claims_(claims), builder_(opts, codes, pop),
      month_days_(days_in_month(opts.month)) {}

  void plan();
  error write(const std::filesystem::path& dir);
  feed_truth& truth() { return truth_; }

private:
  void plan_people();
  void plan_tickets();
  void mark_receipt_cases();
  void inject();
  void inject_tickets();
  void derive_ticket_uses();
  bool fits(injection what, size_t i);
  void apply(injection what, size_t i);
  int64_t other_institution(size_t i);
  uint32_t care_days(size_t i);
  injected_case& add_case(size_t i, injection what, match_status expected);
  std::string recipient_no(size_t i) const { return padded(programme_recipient_no(claims_[i], pop_), 7); }

  const options& opts_;
  const feed_options& feed_;
  const population& pop_;
  const std::vector<claim>& claims_;
  detail::receipt_builder builder_;
  detail::receipt scratch_;
  uint32_t month_days_;

  std::vector<bool> office_has_tickets_;
  std::vector<bool> identifiable_;
  std::vector<uint32_t> claims_of_person_;
  std::vector<std::vector<period>> periods_;
  std::vector<listing> listings_;
  std::vector<ticket_plan> tickets_;
  std::vector<uint32_t> ticket_of_claim_;
  std::vector<uint32_t> days_;
  std::vector<bool> injected_;
  feed_truth truth_;
};

void feed_planner::plan() {
  office_has_tickets_.assign(pop_.offices.size(), true);
  for (size_t o = 0; o < pop_.offices.size(); ++o)
    for (const auto& without : feed_.offices_without_tickets)
      if (pop_.offices[o].payer_no == without)
        office_has_tickets_[o] = false;
  claims_of_person_.assign(pop_.people.size(), 0);
  for (const claim& c : claims_)
    ++claims_of_person_[c.person];
  identifiable_ = identifiable_by_name(pop_);
  days_.assign(claims_.size(), days_unknown);
  injected_.assign(claims_.size(), false);
  truth_.expected.assign(claims_.size(), match_status::matched);
  truth_.first_delivery.assign(claims_.size(), match_status::matched);
  plan_people();
  plan_tickets();
  mark_receipt_cases();
  inject();
  inject_tickets();
  std::sort(truth_.cases.begin(), truth_.cases.end(),
            [](const injected_case& a, const injected_case& b) { return a.claim < b.claim; });
  derive_ticket_uses();
}

void feed_planner::plan_people() {
  periods_.resize(pop_.people.size());
  listings_.assign(pop_.people.size(), listing::as_is);
  for (size_t i = 0; i < pop_.people.size(); ++i) {
    const person& p = pop_.people[i];
    rng random{derive_seed(p.traits, protection_stream)};
    // Protected since a day of the last ten years, not before birth.
    const uint32_t reference = feed_.reference_month != 0 ? feed_.reference_month : opts_.month;
    const uint32_t last = feed_.last_month != 0 ? feed_.last_month : opts_.month;
    const uint32_t start_month = add_months(reference, -static_cast<int>(1 + random.below(120)));
    period current{std::max(day_in(start_month, 1, 31, random), p.birth_date), 0};
    if (random.chance(feed_.ending_later_rate))
      current.to = day_in(add_months(last, static_cast<int>(1 + random.below(6))), 1, 31, random);
    auto& periods = periods_[i];
    if (random.chance(feed_.earlier_period_rate)) {
      // 廃止 in a month before the current period began, then 再開.
      const uint32_t end_month = add_months(current.from / 100, -static_cast<int>(1 + random.below(12)));
      const uint32_t begin_month = add_months(end_month, -static_cast<int>(random.below(60)));
      const period earlier{std::max(begin_month * 100 + 1, p.birth_date), end_month * 100 + days_in_month(end_month)};
      if (earlier.from <= earlier.to)
        periods.push_back(earlier);
    }
    periods.push_back(current);
  }
}

void feed_planner::plan_tickets() {
  // One ticket per (person, institution, care type), in the order of the
  // first receipt it serves; a second receipt of the group uses it too.
  std::unordered_map<uint64_t, uint32_t> by_group;
  by_group.reserve(claims_.size());
  ticket_of_claim_.resize(claims_.size());
  for (size_t i = 0; i < claims_.size(); ++i) {
    const claim& c = claims_[i];
    const auto [at, fresh] = by_group.emplace(group_key(c.person, c), static_cast<uint32_t>(tickets_.size()));
    ticket_of_claim_[i] = at->second;
    if (!fresh)
      continue;
    const person& p = pop_.people[c.person];
    ticket_plan t;
    t.id = "T" + std::to_string(opts_.month) + padded(tickets_.size() + 1, 7);
    t.first_claim = i;
    t.institution = c.institution;
    t.care = care_type_of(c);
    t.valid_to = opts_.month * 100 + month_days_;
    t.copay = p.copay;
    if (p.insurance >= 0)
      t.insurer_no = pop_.insurances[static_cast<size_t>(p.insurance)].insurer_no;
    if (!office_has_tickets_[p.office])
      t.in = delivery::none;
    tickets_.push_back(std::move(t));
  }
}

injected_case& feed_planner::add_case(size_t i, injection what, match_status expected) {
  const claim& c = claims_[i];
  const person& p = pop_.people[c.person];
  injected_[i] = true;
  truth_.expected[i] = expected;
  truth_.first_delivery[i] = expected;
  injected_case& k = truth_.cases.emplace_back();
  k.claim = i;
  k.what = what;
  k.expected = expected;
  k.first_delivery = expected;
  k.office_no = pop_.offices[p.office].payer_no;
  k.recipient_no = recipient_no(i);
  k.month = opts_.month;
  k.institution = institution_key(c, pop_);
  k.person_id = person_id_of(c.person);
  return k;
}

void feed_planner::mark_receipt_cases() {
  // Faults the receipts already carry. Where one receipt has several, the
  // first by precedence is its status.
  std::unordered_map<uint64_t, size_t> first_of_group;
  for (size_t i = 0; i < claims_.size(); ++i) {
    const claim& c = claims_[i];
    const bool repeat = !first_of_group.emplace(group_key(c.person, c), i).second;
    if (c.defect == receipt_defect::wrong_check_digit) {
      auto& k = add_case(i, injection::wrong_check_digit, match_status::invalid_number);
      k.detail = "KO 受給者番号 " + k.recipient_no + " fails its 検証番号; the person's is "
                 + padded(pop_.people[c.person].recipient_no, 7);
    } else if (repeat) {
      auto& k = add_case(i, injection::duplicate_claim, match_status::duplicate_claim);
      k.ticket_id = tickets_[ticket_of_claim_[i]].id;
      k.detail = "second receipt of person " + k.person_id + " at " + k.institution + " for "
                 + care_name(care_type_of(c)) + " this month";
    } else if (!office_has_tickets_[pop_.people[c.person].office]) {
      auto& k = add_case(i, injection::no_ticket_feed, match_status::no_ticket_feed);
      k.detail = "office " + k.office_no + " supplies no tickets";
    }
  }
}

uint32_t feed_planner::care_days(size_t i) {
  if (days_[i] == days_unknown) {
    // The days JD and the day columns list, from the receipt as written.
    builder_.build(claims_[i], 1, scratch_);
    days_[i] = scratch_.days[0] | scratch_.days[1] | scratch_.days[2];
  }
  return days_[i];
}

int64_t feed_planner::other_institution(size_t i) {
  // Another institution of the same kind, in the same prefecture if there is one.
  const institution& here = pop_.institutions[claims_[i].institution];
  int64_t found = -1;
  for (uint32_t k = 0; k < pop_.institutions.size(); ++k) {
    const institution& there = pop_.institutions[k];
    if (k == claims_[i].institution || there.type != here.type)
      continue;
    if (there.prefecture == here.prefecture)
      return k;
    if (found < 0)
      found = k;
  }
  return found;
}

bool feed_planner::fits(injection what, size_t i) {
  const claim& c = claims_[i];
  const person& p = pop_.people[c.person];
  switch (what) {
    case injection::other_institution:
      return other_institution(i) >= 0;
    case injection::wrong_care_type:
      return care_type_of(c) <= 2; // 入院 and 入院外 share the 医科 institution key
    case injection::validity_ends_early:
      return care_days(i) != 0 && first_day(care_days(i)) >= 2;
    case injection::protection_ended:
      return !flagged(feed_.fixed_listing_people, c.person) && care_days(i) != 0 && first_day(care_days(i)) >= 2;
    case injection::protection_starts_late:
      return !flagged(feed_.fixed_listing_people, c.person) && care_days(i) != 0
             && last_day(care_days(i)) < month_days_;
    case injection::protection_gap:
      return !flagged(feed_.fixed_listing_people, c.person) && care_days(i) != 0 && first_day(care_days(i)) >= 2
             && last_day(care_days(i)) < month_days_;
    case injection::variant_kanji:
      return standard_spelling(p.name) != p.name && !flagged(feed_.fixed_listing_people, c.person);
    case injection::ticket_omitted:
    case injection::late_ticket:
      return identifiable_[c.person];
    case injection::unknown_recipient:
      return identifiable_[c.person] && !flagged(feed_.fixed_listing_people, c.person);
    case injection::insurer_on_ticket:
      return p.insurance < 0;
    case injection::birth_date_differs:
      return !flagged(feed_.fixed_listing_people, c.person);
    case injection::copay_typo:
      return true;
    default: // receipt-side and office-wide cases are marked, never drawn
      return false;
  }
}

void feed_planner::apply(injection what, size_t i) {
  const claim& c = claims_[i];
  const person& p = pop_.people[c.person];
  ticket_plan& t = tickets_[ticket_of_claim_[i]];
  const std::string& ticket = t.id;
  // The first and last care day, for the injections that fits() gave care days.
  auto first_care = [&] { return opts_.month * 100 + first_day(care_days(i)); };
  auto last_care = [&] { return opts_.month * 100 + last_day(care_days(i)); };
  std::vector<period>& periods = periods_[c.person];
  switch (what) {
    case injection::other_institution: {
      t.institution = static_cast<uint32_t>(other_institution(i));
      auto& k = add_case(i, what, match_status::institution_mismatch);
      k.ticket_id = ticket;
      k.detail = "the ticket names " + key_of(pop_.institutions[t.institution]) + " instead of " + k.institution;
      break;
    }
    case injection::wrong_care_type: {
      t.care = t.care == 1 ? 2 : 1;
      auto& k = add_case(i, what, match_status::care_type_mismatch);
      k.ticket_id = ticket;
      k.detail = std::string{"the ticket is for "} + care_name(t.care) + ", the receipt for "
                 + care_name(care_type_of(c));
      break;
    }
    case injection::validity_ends_early: {
      const uint32_t first = first_care();
      t.valid_to = first - 1;
      auto& k = add_case(i, what, match_status::outside_validity);
      k.ticket_id = ticket;
      k.detail = "the ticket is valid " + iso_date(opts_.month * 100 + 1) + ".." + iso_date(t.valid_to)
                 + ", care from " + iso_date(first);
      break;
    }
    case injection::protection_ended: {
      const uint32_t first = first_care();
      periods.back().to = first - 1;
      auto& k = add_case(i, what, match_status::not_protected);
      k.ticket_id = ticket;
      k.detail = "protection ends (廃止) " + iso_date(first - 1) + ", care from " + iso_date(first)
                 + "; the ticket was issued all the same";
      break;
    }
    case injection::protection_starts_late: {
      const uint32_t last = last_care();
      periods.back() = period{last + 1, 0};
      auto& k = add_case(i, what, match_status::not_protected);
      k.ticket_id = ticket;
      k.detail = "protection starts " + iso_date(last + 1) + ", care until " + iso_date(last);
      break;
    }
    case injection::protection_gap: {
      const uint32_t first = first_care(), last = last_care();
      periods.back().to = first - 1;
      periods.push_back(period{last + 1, 0});
      auto& k = add_case(i, what, match_status::not_protected);
      k.ticket_id = ticket;
      k.detail = "protection ends " + iso_date(first - 1) + " and starts again " + iso_date(last + 1) + ", care "
                 + iso_date(first) + ".." + iso_date(last) + " in between";
      break;
    }
    case injection::variant_kanji: {
      listings_[c.person] = listing::standard_kanji;
      auto& k = add_case(i, what, match_status::matched);
      k.detail = "receipt " + p.name + ", recipients.csv " + standard_spelling(p.name);
      break;
    }
    case injection::birth_date_differs: {
      listings_[c.person] = listing::birth_differs;
      auto& k = add_case(i, what, match_status::person_mismatch);
      k.detail = "recipients.csv birth_date " + iso_date(year_earlier(p.birth_date)) + ", receipt "
                 + iso_date(p.birth_date);
      break;
    }
    case injection::copay_typo: {
      t.copay = p.copay > 0 ? p.copay * 10 : 1000;
      auto& k = add_case(i, what, match_status::copay_mismatch);
      k.ticket_id = ticket;
      k.detail = "the ticket says 本人支払額 " + std::to_string(t.copay) + ", KO 負担金額 is "
                 + std::to_string(p.copay);
      break;
    }
    case injection::ticket_omitted: {
      t.in = delivery::none;
      auto& k = add_case(i, what, match_status::no_ticket);
      k.ticket_id = ticket;
      k.detail = "no ticket of " + iso_month(opts_.month) + " in any delivery";
      break;
    }
    case injection::late_ticket: {
      t.in = delivery::late;
      auto& k = add_case(i, what, match_status::matched);
      k.first_delivery = match_status::no_ticket;
      truth_.first_delivery[i] = match_status::no_ticket;
      k.ticket_id = ticket;
      k.detail = "the ticket is only in tickets_late.csv, issued after the month";
      break;
    }
    case injection::unknown_recipient: {
      listings_[c.person] = listing::unknown;
      t.in = delivery::none;
      auto& k = add_case(i, what, match_status::unknown_recipient);
      k.detail = "person in neither recipients.csv nor tickets.csv";
      break;
    }
    case injection::insurer_on_ticket: {
      // A valid 協会けんぽ-style number of the office's prefecture.
      const std::string body = "06" + padded(pop_.offices[p.office].prefecture, 2) + "001";
      t.insurer_no = body + static_cast<char>('0' + check_digit(body));
      auto& k = add_case(i, what, match_status::insurance_inconsistent);
      k.ticket_id = ticket;
      k.detail = "the ticket is 併用 with insurer " + t.insurer_no + ", the receipt has no HO";
      break;
    }
    default: // receipt-side and office-wide cases are marked, never drawn
      break;
  }
}

void feed_planner::inject() {
  // Candidates: the receipts of people with one receipt this month that are
  // no case yet, in an order drawn from the seed.
  std::vector<size_t> candidates;
  for (size_t i = 0; i < claims_.size(); ++i)
    if (!injected_[i] && claims_of_person_[claims_[i].person] == 1 && !flagged(feed_.untouched_people, claims_[i].person))
      candidates.push_back(i);
  rng random{derive_seed(opts_.seed, injection_stream)};
  for (size_t k = candidates.size(); k > 1; --k)
    std::swap(candidates[k - 1], candidates[static_cast<size_t>(random.below(k))]);
  // Injections that few receipts fit come first, so that the others do not use them up.
  const std::pair<injection, double> order[] = {
    {injection::variant_kanji, feed_.variant_kanji_rate},
    {injection::copay_typo, feed_.copay_typo_rate},
    {injection::wrong_care_type, feed_.wrong_care_type_rate},
    {injection::protection_gap, feed_.protection_gap_rate},
    {injection::ticket_omitted, feed_.ticket_omitted_rate},
    {injection::late_ticket, feed_.late_ticket_rate},
    {injection::unknown_recipient, feed_.unknown_recipient_rate},
    {injection::insurer_on_ticket, feed_.insurer_on_ticket_rate},
    {injection::other_institution, feed_.other_institution_rate},
    {injection::validity_ends_early, feed_.validity_ends_early_rate},
    {injection::protection_ended, feed_.protection_ended_rate},
    {injection::protection_starts_late, feed_.protection_starts_late_rate},
    {injection::birth_date_differs, feed_.birth_date_differs_rate},
  };
  for (const auto& [what, rate] : order) {
    size_t wanted = case_count(rate, claims_.size(), feed_.at_least_one_from);
    // A copay typo is most natural where there is a 本人支払額: those first.
    for (int pass = what == injection::copay_typo ? 0 : 1; pass < 2; ++pass)
      for (size_t i : candidates) {
        if (wanted == 0)
          break;
        if (injected_[i] || (pass == 0 && pop_.people[claims_[i].person].copay == 0) || !fits(what, i))
          continue;
        apply(what, i);
        --wanted;
      }
  }
}

void feed_planner::inject_tickets() {
  // People with one receipt this month that is no case: a ticket of theirs
  // that no receipt uses changes no receipt's status, and their receipt's
  // own ticket may be reissued. A draw of its own, so that every other
  // injection stays as it was.
  std::vector<size_t> candidates;
  for (size_t i = 0; i < claims_.size(); ++i) {
    const uint32_t person = claims_[i].person;
    if (!injected_[i] && claims_of_person_[person] == 1 && !flagged(feed_.untouched_people, person)
        && tickets_[ticket_of_claim_[i]].in == delivery::first)
      candidates.push_back(i);
  }
  rng random{derive_seed(opts_.seed, ticket_stream)};
  for (size_t k = candidates.size(); k > 1; --k)
    std::swap(candidates[k - 1], candidates[static_cast<size_t>(random.below(k))]);
  // People without a receipt in the last month first: an increment of that
  // month leaves them untouched, so their tickets' use must carry over.
  std::stable_partition(candidates.begin(), candidates.end(),
                        [&](size_t i) { return !flagged(feed_.last_month_people, claims_[i].person); });
  size_t unused = case_count(feed_.unused_ticket_rate, claims_.size(), feed_.at_least_one_from);
  size_t cancelled = case_count(feed_.cancelled_ticket_rate, claims_.size(), feed_.at_least_one_from);
  size_t replaced = case_count(feed_.replaced_ticket_rate, claims_.size(), feed_.at_least_one_from);
  size_t cancelled_made = 0;
  auto next_id = [&] { return "T" + std::to_string(opts_.month) + padded(tickets_.size() + 1, 7); };
  for (size_t i : candidates) {
    if (unused + cancelled + replaced == 0)
      break;
    const claim& c = claims_[i];
    const uint32_t own = ticket_of_claim_[i];
    const int64_t other = other_institution(i);
    const std::string here = key_of(pop_.institutions[c.institution]);
    ticket_plan extra = tickets_[own];
    extra.id = next_id();
    if (unused > 0 && other >= 0) {
      extra.institution = static_cast<uint32_t>(other);
      extra.injection = "unused_ticket";
      extra.detail = "issued for " + key_of(pop_.institutions[extra.institution]) + ", the person's receipt of "
                     + iso_month(opts_.month) + " is from " + here;
      --unused;
    } else if (cancelled > 0) {
      // Alternately a second ticket for the receipt's own institution and one
      // for another institution: cancelled either way, so neither used nor unused.
      const bool elsewhere = cancelled_made++ % 2 == 1 && other >= 0;
      if (elsewhere)
        extra.institution = static_cast<uint32_t>(other);
      extra.cancelled = true;
      extra.injection = "cancelled_ticket";
      extra.detail = elsewhere ? "issued for " + key_of(pop_.institutions[extra.institution]) + " by mistake, cancelled"
                               : "issued twice for " + here + ", the second cancelled";
      --cancelled;
    } else if (replaced > 0) {
      // The same ticket reissued: the receipt uses the correction.
      ticket_plan& old = tickets_[own];
      extra.replaces = old.id;
      extra.correction = true;
      extra.injection = "replaced_ticket";
      extra.detail = "corrects " + old.id + ", which no longer counts";
      old.injection = "replaced_ticket";
      old.detail = "corrected by " + extra.id;
      --replaced;
    } else {
      continue;
    }
    tickets_.push_back(std::move(extra));
  }
}

void feed_planner::derive_ticket_uses() {
  // Used: in force, and a receipt of its person has its institution and care
  // type (the matcher then finds it whatever else is wrong with the receipt).
  std::unordered_set<uint64_t> served;
  served.reserve(claims_.size());
  for (const claim& c : claims_)
    served.insert(group_key(c.person, c));
  std::unordered_set<std::string> corrected;
  for (const ticket_plan& t : tickets_)
    if (t.in != delivery::none && !t.replaces.empty())
      corrected.insert(t.replaces);
  std::unordered_map<std::string, const char*> case_of_ticket;
  for (const injected_case& k : truth_.cases)
    if (!k.ticket_id.empty())
      case_of_ticket.emplace(k.ticket_id, to_string(k.what));
  const uint32_t last = feed_.last_month != 0 ? feed_.last_month : opts_.month;
  const bool overdue = opts_.month <= add_months(last, -2);
  for (const ticket_plan& t : tickets_) {
    if (t.in == delivery::none)
      continue;
    const uint32_t person = claims_[t.first_claim].person;
    ticket_truth& u = truth_.ticket_uses.emplace_back();
    u.ticket_id = t.id;
    u.office_no = pop_.offices[pop_.people[person].office].payer_no;
    u.person_id = person_id_of(person);
    u.month = opts_.month;
    u.institution = key_of(pop_.institutions[t.institution]);
    u.care = t.care;
    u.injection = t.injection;
    if (u.injection.empty())
      if (auto k = case_of_ticket.find(t.id); k != case_of_ticket.end())
        u.injection = k->second;
    u.detail = t.detail;
    if (t.cancelled || corrected.count(t.id) != 0) {
      u.use_status = "cancelled";
    } else if (served.count(use_key(person, t.institution, t.care)) != 0) {
      u.use_status = "used";
    } else {
      u.use_status = overdue ? "TICKET_UNUSED" : "pending";
      if (u.detail.empty())
        u.detail = std::string{"no receipt of "} + care_name(t.care) + " at " + u.institution + " in "
                   + iso_month(opts_.month);
      u.detail += overdue ? "; unused after two further months" : "; fewer than two further months read";
    }
  }
}

error feed_planner::write(const std::filesystem::path& dir) {
  std::error_code failure;
  std::filesystem::create_directories(dir, failure);
  if (failure)
    return make_error(ec::io_error, dir.string() + ": " + failure.message());

  csv_file recipients{dir / "recipients.csv",
                      {"office_no", "person_id", "case_no", "name", "name_kana", "sex", "birth_date", "address",
                       "protected_from", "protected_to", "caseworker", "insurer_no"}};
  csv_file schemes{dir / "other_schemes.csv", {"person_id", "office_no", "law_no", "valid_from", "valid_to"}};
  for (uint32_t i = 0; i < pop_.people.size(); ++i) {
    if (listings_[i] == listing::unknown)
      continue;
    const person& p = pop_.people[i];
    const office& o = pop_.offices[p.office];
    const std::string id = person_id_of(i);
    const std::string name = listings_[i] == listing::standard_kanji ? standard_spelling(p.name) : p.name;
    const uint32_t birth = listings_[i] == listing::birth_differs ? year_earlier(p.birth_date) : p.birth_date;
    const std::string insurer =
      p.insurance >= 0 ? pop_.insurances[static_cast<size_t>(p.insurance)].insurer_no : std::string{};
    const person_extras extras =
      extras_of(p, o, feed_.reference_month != 0 ? feed_.reference_month : opts_.month, feed_);
    const std::string& address = extras.address;
    const std::string& caseworker = extras.caseworker;
    for (const period& span : periods_[i])
      recipients.row({o.payer_no, id, padded(i + 1, 7), name, p.kana, std::string(1, static_cast<char>('0' + p.sex)),
                      iso_date(birth), address, iso_date(span.from), span.to != 0 ? iso_date(span.to) : std::string{},
                      caseworker, insurer});
    // Schemes held beside the programme: the one the receipts bill, and for
    // a few people one they never bill (for the OTHER_SCHEME checks).
    const uint32_t since = extras.scheme_since;
    const uint8_t law = p.other >= 0 ? pop_.other_publics[static_cast<size_t>(p.other)].law : extras.unbilled_law;
    if (law != 0)
      schemes.row({id, o.payer_no, padded(law, 2), iso_date(since), ""});
  }

  const std::initializer_list<std::string_view> ticket_columns = {
    "ticket_id", "office_no", "recipient_no", "person_id", "month", "care_type", "institution_pref",
    "institution_code", "valid_from", "valid_to", "copay", "insurer_no", "issued_on", "status", "replaces"};
  csv_file tickets{dir / "tickets.csv", ticket_columns};
  csv_file late{dir / "tickets_late.csv", ticket_columns};
  for (size_t t = 0; t < tickets_.size(); ++t) {
    const ticket_plan& plan = tickets_[t];
    if (plan.in == delivery::none)
      continue;
    const claim& c = claims_[plan.first_claim];
    const person& p = pop_.people[c.person];
    const institution& inst = pop_.institutions[plan.institution];
    // Tickets are issued in the office's batch run of the month before; a
    // late one after the month, once the institution asked for it.
    rng random{derive_seed(opts_.seed, issue_stream + (uint64_t{t} << 8))};
    const bool is_late = plan.in == delivery::late;
    const uint32_t issued = is_late           ? day_in(add_months(opts_.month, 1), 5, 28, random)
                            : plan.correction ? day_in(opts_.month, 1, 28, random)
                                              : day_in(add_months(opts_.month, -1), 10, 28, random);
    (is_late ? late : tickets)
      .row({plan.id, pop_.offices[p.office].payer_no, padded(p.recipient_no, 7), person_id_of(c.person),
            iso_month(opts_.month), std::string(1, static_cast<char>('0' + plan.care)), padded(inst.prefecture, 2),
            inst.code, iso_date(opts_.month * 100 + 1), iso_date(plan.valid_to), std::to_string(plan.copay),
            plan.insurer_no, iso_date(issued), plan.cancelled ? "cancelled" : "issued", plan.replaces});
  }

  truth_.recipients = recipients.rows();
  truth_.other_schemes = schemes.rows();
  truth_.tickets = tickets.rows();
  truth_.late_tickets = late.rows();
  for (csv_file* f : {&recipients, &schemes, &tickets, &late})
    if (auto err = f->close())
      return err;
  return {};
}

} // namespace

const char* to_string(injection what) {
  switch (what) {
    case injection::other_institution: return "other_institution";
    case injection::wrong_care_type: return "wrong_care_type";
    case injection::validity_ends_early: return "validity_ends_early";
    case injection::protection_ended: return "protection_ended";
    case injection::protection_starts_late: return "protection_starts_late";
    case injection::protection_gap: return "protection_gap";
    case injection::variant_kanji: return "variant_kanji";
    case injection::birth_date_differs: return "birth_date_differs";
    case injection::copay_typo: return "copay_typo";
    case injection::ticket_omitted: return "ticket_omitted";
    case injection::late_ticket: return "late_ticket";
    case injection::unknown_recipient: return "unknown_recipient";
    case injection::wrong_check_digit: return "wrong_check_digit";
    case injection::duplicate_claim: return "duplicate_claim";
    case injection::insurer_on_ticket: return "insurer_on_ticket";
    case injection::no_ticket_feed: return "no_ticket_feed";
  }
  return "";
}

uint8_t care_type_of(const claim& c) {
  switch (c.kind) {
    case receipt_kind::dental: return 3;
    case receipt_kind::pharmacy: return 4;
    case receipt_kind::dpc: return 1;
    default: return c.inpatient ? 1 : 2;
  }
}

std::string institution_key(const claim& c, const population& pop) {
  return key_of(pop.institutions[c.institution]);
}

std::vector<bool> identifiable_by_name(const population& pop) {
  auto key = [&](const person& p) {
    return pop.offices[p.office].payer_no + '\x1f' + feed::normalize_name(p.name) + '\x1f'
           + std::to_string(p.birth_date) + static_cast<char>('0' + p.sex);
  };
  std::unordered_map<std::string, uint32_t> namesakes;
  namesakes.reserve(pop.people.size());
  for (const person& p : pop.people)
    ++namesakes[key(p)];
  std::vector<bool> out(pop.people.size());
  for (size_t i = 0; i < pop.people.size(); ++i)
    out[i] = namesakes[key(pop.people[i])] == 1;
  return out;
}

size_t case_count(double rate, size_t receipts, size_t at_least_one_from) {
  if (!(rate > 0))
    return 0;
  const auto count = static_cast<size_t>(rate * static_cast<double>(receipts) + 0.5);
  return receipts >= at_least_one_from ? std::max<size_t>(count, 1) : count;
}

uint8_t unbilled_scheme(const population& pop, uint32_t person, const feed_options& feed, uint32_t month) {
  const struct person& p = pop.people[person];
  return extras_of(p, pop.offices[p.office], feed.reference_month != 0 ? feed.reference_month : month, feed)
    .unbilled_law;
}

std::string person_id_of(uint32_t person) { return "P" + padded(person, 7); }

size_t reassign_unmatchable_claims(std::vector<claim>& claims, const population& pop, uint32_t month) {
  const uint32_t first_day = month * 100 + 1;
  auto born = [&](uint32_t person) { return pop.people[person].birth_date <= first_day; };
  rng random{derive_seed(pop.seed, reassign_stream)};
  std::unordered_set<uint64_t> taken;
  taken.reserve(claims.size());
  std::vector<uint32_t> all(pop.people.size());
  std::iota(all.begin(), all.end(), 0u);
  const std::vector<uint32_t>* everyone = &all;
  size_t reassigned = 0;
  for (claim& c : claims) {
    if (born(c.person) && taken.insert(group_key(c.person, c)).second)
      continue;
    // The first fit from a drawn start: of the institution's prefecture, else of anywhere.
    for (const auto* pool : {&pop.people_by_prefecture[pop.institutions[c.institution].prefecture], everyone}) {
      const size_t start = pool->empty() ? 0 : static_cast<size_t>(random.below(pool->size()));
      bool placed = false;
      for (size_t k = 0; k < pool->size() && !placed; ++k) {
        const uint32_t candidate = (*pool)[(start + k) % pool->size()];
        placed = born(candidate) && taken.insert(group_key(candidate, c)).second;
        if (placed)
          c.person = candidate;
      }
      if (placed) {
        ++reassigned;
        break;
      }
    }
  }
  return reassigned;
}

expected<feed_truth> write_office_feed(const options& opts, const feed_options& feed, const catalog& codes,
                                       const population& pop, const std::vector<claim>& claims,
                                       const std::filesystem::path& dir) {
  if (days_in_month(opts.month) == 0)
    return make_error(ec::invalid_argument, "診療年月 must be YYYYMM: " + std::to_string(opts.month));
  for (const claim& c : claims) {
    if (c.person >= pop.people.size() || c.institution >= pop.institutions.size())
      return make_error(ec::invalid_argument, "a claim names a person or institution outside the population");
    // Protection cannot start before birth: such a patient can never be protected all month.
    if (pop.people[c.person].birth_date > opts.month * 100 + 1)
      return make_error(ec::invalid_argument, "person " + person_id_of(c.person) + " is born after "
                                                + iso_date(opts.month * 100 + 1)
                                                + ": call reassign_unmatchable_claims() first");
  }
  feed_planner planner{opts, feed, codes, pop, claims};
  planner.plan();
  if (auto err = planner.write(dir))
    return err;
  return std::move(planner.truth());
}

} // namespace receptor::synth
