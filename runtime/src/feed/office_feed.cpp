#include "receptor/feed/office_feed.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <cstdio>
#include <iterator>
#include <tuple>
#include <unordered_set>

#include "receptor/check_digit.hpp"
#include "receptor/dates.hpp"
#include "receptor/feed/normalize.hpp"

namespace receptor::feed {

namespace {

// A column of a feed file; `required` columns must be in the header and
// non-empty in every row.
struct column_spec {
  std::string_view name;
  bool required;
};

// The columns of each file (spec/ticket-feed.md), and their positions in the
// value vector a row is read into.
namespace recipients_csv {
enum column : size_t {
  office_no, person_id, case_no, name, name_kana, sex, birth_date, address,
  protected_from, protected_to, caseworker, insurer_no,
};
constexpr column_spec columns[] = {
  {"office_no", true}, {"person_id", true}, {"case_no", false}, {"name", true},
  {"name_kana", false}, {"sex", true}, {"birth_date", true}, {"address", false},
  {"protected_from", true}, {"protected_to", false}, {"caseworker", false}, {"insurer_no", false},
};
static_assert(std::size(columns) == insurer_no + 1);
} // namespace recipients_csv

namespace tickets_csv {
enum column : size_t {
  ticket_id, office_no, recipient_no, person_id, month, care_type, institution_pref, institution_code,
  valid_from, valid_to, copay, insurer_no, diseases, issued_on, status, replaces,
};
constexpr column_spec columns[] = {
  {"ticket_id", true}, {"office_no", true}, {"recipient_no", true}, {"person_id", true},
  {"month", true}, {"care_type", true}, {"institution_pref", true}, {"institution_code", true},
  {"valid_from", true}, {"valid_to", true}, {"copay", false}, {"insurer_no", false},
  {"diseases", false}, {"issued_on", true}, {"status", true}, {"replaces", false},
};
static_assert(std::size(columns) == replaces + 1);
} // namespace tickets_csv

namespace other_schemes_csv {
enum column : size_t { person_id, office_no, law_no, valid_from, valid_to };
constexpr column_spec columns[] = {
  {"person_id", true}, {"office_no", true}, {"law_no", true}, {"valid_from", true}, {"valid_to", false},
};
static_assert(std::size(columns) == valid_to + 1);
} // namespace other_schemes_csv

struct column_list {
  const column_spec* first;
  size_t size;
};

column_list columns_of(feed_file kind) {
  switch (kind) {
    case feed_file::recipients: return {recipients_csv::columns, std::size(recipients_csv::columns)};
    case feed_file::tickets: return {tickets_csv::columns, std::size(tickets_csv::columns)};
    case feed_file::other_schemes: return {other_schemes_csv::columns, std::size(other_schemes_csv::columns)};
  }
  return {nullptr, 0};
}

using values = std::vector<std::string_view>;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

uint64_t digits_value(std::string_view s) {
  uint64_t v = 0;
  for (char c : s)
    v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

// 公費負担者番号 as a number, 0 if it is not 8 digits (no valid one is 0).
uint32_t office_number(std::string_view office_no) {
  return office_no.size() == 8 && all_digits(office_no) ? static_cast<uint32_t>(digits_value(office_no)) : 0;
}

std::string quoted(std::string_view value) { return "'" + std::string{value} + "'"; }

// YYYY-MM-DD → YYYYMMDD; 0 if it is not a date.
uint32_t parse_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return 0;
  const char compact[8] = {s[0], s[1], s[2], s[3], s[5], s[6], s[8], s[9]};
  return parse_date(std::string_view{compact, 8});
}

// YYYY-MM → YYYYMM; 0 if it is not a month.
uint32_t parse_iso_month(std::string_view s) {
  if (s.size() != 7 || s[4] != '-')
    return 0;
  const char compact[6] = {s[0], s[1], s[2], s[3], s[5], s[6]};
  return parse_month(std::string_view{compact, 6});
}

std::string period_text(uint32_t from, uint32_t to) {
  return iso_date(from) + ".." + (to == 0 ? std::string{"open"} : iso_date(to));
}

// Reads a date column; an empty (optional) one gives 0.
std::string read_date(std::string_view column, std::string_view value, uint32_t& out) {
  out = value.empty() ? 0 : parse_iso_date(value);
  if (!value.empty() && out == 0)
    return std::string{column} + " " + quoted(value) + " is not YYYY-MM-DD";
  return {};
}

std::string check_office_no(std::string_view value) {
  if (value.size() != 8 || !all_digits(value))
    return "office_no " + quoted(value) + " is not 8 digits";
  if (value.substr(0, 2) != "12" && value.substr(0, 2) != "25")
    return "office_no " + quoted(value) + " is not 法別 12 or 25";
  const int prefecture = (value[2] - '0') * 10 + (value[3] - '0');
  if (prefecture < 1 || prefecture > 47)
    return "office_no " + quoted(value) + " has prefecture " + std::string{value.substr(2, 2)} + ", not 01-47";
  if (!check_digit_ok(value))
    return "office_no " + quoted(value) + " fails its check digit";
  return {};
}

// 保険者番号: 6 digits (国保) or 8.
std::string check_insurer_no(std::string_view value) {
  if (!value.empty() && (!all_digits(value) || (value.size() != 6 && value.size() != 8)))
    return "insurer_no " + quoted(value) + " is not 6 or 8 digits";
  return {};
}

std::string check_digits(std::string_view column, std::string_view value, size_t count) {
  if (value.size() != count || !all_digits(value))
    return std::string{column} + " " + quoted(value) + " is not " + std::to_string(count) + " digits";
  return {};
}

std::string first_empty_required(column_list columns, const values& v) {
  for (size_t i = 0; i < columns.size; ++i)
    if (columns.first[i].required && v[i].empty())
      return std::string{columns.first[i].name} + " is empty";
  return {};
}

std::string parse_recipient(const values& v, recipient& r) {
  using namespace recipients_csv;
  std::string reason = check_office_no(v[office_no]);
  if (reason.empty() && v[sex] != "1" && v[sex] != "2")
    reason = "sex " + quoted(v[sex]) + " is not 1 or 2";
  if (reason.empty())
    reason = read_date("birth_date", v[birth_date], r.birth_date);
  if (reason.empty())
    reason = read_date("protected_from", v[protected_from], r.protected_from);
  if (reason.empty())
    reason = read_date("protected_to", v[protected_to], r.protected_to);
  if (reason.empty() && r.protected_to != 0 && r.protected_to < r.protected_from)
    reason = "protected_to " + iso_date(r.protected_to) + " is before protected_from " + iso_date(r.protected_from);
  if (reason.empty() && r.protected_from < r.birth_date)
    reason = "protected_from " + iso_date(r.protected_from) + " is before birth_date " + iso_date(r.birth_date);
  if (reason.empty())
    reason = check_insurer_no(v[insurer_no]);
  if (!reason.empty())
    return reason;
  r.office_no = v[office_no];
  r.person_id = v[person_id];
  r.case_no = v[case_no];
  r.name = v[name];
  r.name_kana = v[name_kana];
  r.sex = static_cast<uint8_t>(v[sex][0] - '0');
  r.address = v[address];
  r.caseworker = v[caseworker];
  r.insurer_no = v[insurer_no];
  return {};
}

std::string check_inside_month(std::string_view column, uint32_t date, uint32_t month) {
  if (date / 100 != month)
    return std::string{column} + " " + iso_date(date) + " is outside month " + iso_month(month);
  return {};
}

std::vector<std::string> split_diseases(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t semicolon = text.find(';');
    const std::string_view name = trim(text.substr(0, semicolon));
    if (!name.empty())
      out.emplace_back(name);
    text = semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);
  }
  return out;
}

std::string parse_ticket(const values& v, ticket& t) {
  using namespace tickets_csv;
  std::string reason = check_office_no(v[office_no]);
  if (reason.empty())
    reason = check_digits("recipient_no", v[recipient_no], 7);
  if (reason.empty()) {
    t.month = parse_iso_month(v[month]);
    if (t.month == 0)
      reason = "month " + quoted(v[month]) + " is not YYYY-MM";
  }
  if (reason.empty() && (v[care_type].size() != 1 || v[care_type][0] < '1' || v[care_type][0] > '5'))
    reason = "care_type " + quoted(v[care_type]) + " is not 1 to 5";
  if (reason.empty()) {
    const std::string_view pref = v[institution_pref];
    if (pref.size() != 2 || !all_digits(pref) || pref < "01" || pref > "47")
      reason = "institution_pref " + quoted(pref) + " is not 01-47";
  }
  if (reason.empty())
    reason = check_digits("institution_code", v[institution_code], 7);
  if (reason.empty())
    reason = read_date("valid_from", v[valid_from], t.valid_from);
  if (reason.empty())
    reason = read_date("valid_to", v[valid_to], t.valid_to);
  if (reason.empty())
    reason = check_inside_month("valid_from", t.valid_from, t.month);
  if (reason.empty())
    reason = check_inside_month("valid_to", t.valid_to, t.month);
  if (reason.empty() && t.valid_from > t.valid_to)
    reason = "valid_from " + iso_date(t.valid_from) + " is after valid_to " + iso_date(t.valid_to);
  // Nine digits bound the amount well above any 本人支払額 and inside uint32.
  if (reason.empty() && !v[copay].empty() && (!all_digits(v[copay]) || v[copay].size() > 9))
    reason = "copay " + quoted(v[copay]) + " is not a whole number of yen";
  if (reason.empty())
    reason = check_insurer_no(v[insurer_no]);
  if (reason.empty())
    reason = read_date("issued_on", v[issued_on], t.issued_on);
  if (reason.empty() && v[status] != "issued" && v[status] != "cancelled")
    reason = "status " + quoted(v[status]) + " is not issued or cancelled";
  if (reason.empty() && v[replaces] == v[ticket_id])
    reason = "replaces names the ticket itself";
  if (!reason.empty())
    return reason;
  t.ticket_id = v[ticket_id];
  t.office_no = v[office_no];
  t.recipient_no = v[recipient_no];
  t.recipient_no_valid = check_digit_ok(t.recipient_no);
  t.person_id = v[person_id];
  t.care_type = static_cast<care>(v[care_type][0] - '0');
  t.institution_pref = v[institution_pref];
  t.institution_table = institution_table_of(t.care_type);
  t.institution_code = v[institution_code];
  t.copay = static_cast<uint32_t>(digits_value(v[copay]));
  t.insurer_no = v[insurer_no];
  t.diseases = split_diseases(v[diseases]);
  t.status = v[status] == "issued" ? ticket_status::issued : ticket_status::cancelled;
  t.replaces = v[replaces];
  return {};
}

std::string parse_other_scheme(const values& v, other_scheme& s) {
  using namespace other_schemes_csv;
  std::string reason = check_office_no(v[office_no]);
  if (reason.empty())
    reason = check_digits("law_no", v[law_no], 2);
  if (reason.empty())
    reason = read_date("valid_from", v[valid_from], s.valid_from);
  if (reason.empty())
    reason = read_date("valid_to", v[valid_to], s.valid_to);
  if (reason.empty() && s.valid_to != 0 && s.valid_to < s.valid_from)
    reason = "valid_to " + iso_date(s.valid_to) + " is before valid_from " + iso_date(s.valid_from);
  if (!reason.empty())
    return reason;
  s.person_id = v[person_id];
  s.office_no = v[office_no];
  s.law_no = v[law_no];
  return {};
}

// A row on its way from the parsing thread: parsed, rejected by the parse
// (`reason`), or rejected by the CSV reader itself (`rejected`).
struct parsed_row {
  std::variant<recipient, ticket, other_scheme> row;
  std::string reason;
  std::optional<quarantine_row> rejected;
  uint32_t line = 0;
  std::string_view raw; // into the reader's text, for a later rejection
};

// Batches of rows from the parsing thread to the loading one, a few
// batches deep; an empty batch ends the file.
class row_queue {
public:
  static constexpr size_t batch_rows = 4096, depth = 4;

  void push(std::vector<parsed_row> batch) {
    std::unique_lock lock{mutex_};
    room_.wait(lock, [&] { return batches_.size() < depth; });
    batches_.push_back(std::move(batch));
    ready_.notify_one();
  }

  std::vector<parsed_row> pop() {
    std::unique_lock lock{mutex_};
    ready_.wait(lock, [&] { return !batches_.empty(); });
    auto batch = std::move(batches_.front());
    batches_.pop_front();
    room_.notify_one();
    return batch;
  }

private:
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<std::vector<parsed_row>> batches_;
};

// Reads every row of `reader`, in file order, into `queue`.
void parse_rows(feed_file kind, column_list columns, const std::vector<size_t>& at, csv_reader& reader,
                uint32_t file_index, row_queue& queue) {
  values v(columns.size);
  std::vector<std::string> scratch(columns.size);
  std::vector<quarantine_row> rejected;
  std::vector<parsed_row> batch;
  csv_row row;
  for (;;) {
    const bool more = reader.next(row, rejected);
    for (auto& q : rejected) {
      parsed_row r;
      r.rejected = std::move(q);
      batch.push_back(std::move(r));
    }
    rejected.clear();
    if (more) {
      parsed_row r;
      r.line = row.line();
      r.raw = row.raw();
      for (size_t i = 0; i < columns.size; ++i)
        v[i] = normalize_value(row[at[i]], scratch[i]);
      r.reason = first_empty_required(columns, v);
      if (r.reason.empty()) {
        switch (kind) {
          case feed_file::recipients: r.reason = parse_recipient(v, r.row.emplace<recipient>()); break;
          case feed_file::tickets: r.reason = parse_ticket(v, r.row.emplace<ticket>()); break;
          case feed_file::other_schemes: r.reason = parse_other_scheme(v, r.row.emplace<other_scheme>()); break;
        }
        std::visit([&](auto& parsed) {
          parsed.source_file = file_index;
          parsed.source_line = r.line;
        }, r.row);
      }
      batch.push_back(std::move(r));
    }
    if (!more || batch.size() >= row_queue::batch_rows) {
      if (!batch.empty())
        queue.push(std::move(batch));
      batch = {};
    }
    if (!more)
      break;
  }
  queue.push({});
}

// Everything a delivery says about a row; where it came from is not part of it.
auto content(const recipient& r) {
  return std::tie(r.office_no, r.person_id, r.case_no, r.name, r.name_kana, r.sex, r.birth_date, r.address,
                  r.protected_from, r.protected_to, r.caseworker, r.insurer_no);
}

auto content(const ticket& t) {
  return std::tie(t.ticket_id, t.office_no, t.recipient_no, t.person_id, t.month, t.care_type, t.institution_pref,
                  t.institution_code, t.valid_from, t.valid_to, t.copay, t.insurer_no, t.diseases, t.issued_on,
                  t.status, t.replaces);
}

auto content(const other_scheme& s) {
  return std::tie(s.person_id, s.office_no, s.law_no, s.valid_from, s.valid_to);
}

// Open periods (to = 0) run forever.
bool overlaps(uint32_t from_a, uint32_t to_a, uint32_t from_b, uint32_t to_b) {
  const uint32_t end_a = to_a == 0 ? UINT32_MAX : to_a;
  const uint32_t end_b = to_b == 0 ? UINT32_MAX : to_b;
  return from_a <= end_b && from_b <= end_a;
}

// What recipients_by_name compares: office, normalised name, birth date, sex.
std::string name_key(std::string_view office_no, std::string_view name, uint32_t birth_date, uint8_t sex) {
  std::string key{office_no};
  key += '\x1f';
  key += normalize_name(name);
  key += '\x1f';
  key += std::to_string(birth_date);
  key += static_cast<char>('0' + sex);
  return key;
}

// splitmix64's finaliser: index slots come from a hash's low bits, which
// integer keys alone would fill badly.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t hash_text(std::string_view text) { return mix(std::hash<std::string_view>{}(text)); }

// A person's key: the office's number and the office's id for the person.
uint64_t hash_person(uint32_t office, std::string_view person_id) {
  return mix(std::hash<std::string_view>{}(person_id) + office);
}

uint64_t hash_person_month(uint32_t office, std::string_view person_id, uint32_t month) {
  return mix(std::hash<std::string_view>{}(person_id) + office * 0x9E3779B97F4A7C15ull + month);
}

// 公費負担者番号 and 受給者番号 as one number (at most 15 digits).
uint64_t numbers_of(uint32_t office, std::string_view recipient_no) {
  return office * 10'000'000ull + digits_value(recipient_no);
}

uint64_t hash_numbers_month(uint64_t numbers, uint32_t month) {
  return mix(numbers * 0x9E3779B97F4A7C15ull + month);
}

constexpr uint32_t no_row = static_cast<uint32_t>(-1);

// Open addressing with linear probing over row numbers. A row's key is read
// from the row itself (the caller's `matches`), so keys are stored once and
// nothing is allocated per key: with 10^6 tickets, std::unordered_map's node
// allocations and pointer chasing took most of the load time.
class row_index {
public:
  // The row for which `matches(row)` holds among those inserted with
  // `hash`, or no_row.
  template <class Matches>
  uint32_t find(uint64_t hash, const Matches& matches) const {
    if (slots_.empty())
      return no_row;
    const auto tag = static_cast<uint32_t>(hash);
    for (size_t at = tag & mask();; at = (at + 1) & mask()) {
      const slot& candidate = slots_[at];
      if (candidate.row == no_row)
        return no_row;
      if (candidate.tag == tag && matches(candidate.row))
        return candidate.row;
    }
  }

  // Makes room for `rows` rows without growing again.
  void reserve(size_t rows) {
    if (rows * 2 > slots_.size())
      grow(rows * 2);
  }

  // Adds a row whose key is not in the index yet.
  void insert(uint64_t hash, uint32_t row) {
    // At most half full, so that probe runs stay short.
    if ((size_ + 1) * 2 > slots_.size())
      grow(slots_.size() * 2);
    place({static_cast<uint32_t>(hash), row});
    ++size_;
  }

private:
  // `tag` is the hash's low half: it picks the first slot, and most
  // mismatches are told apart by it without reading the row.
  struct slot {
    uint32_t tag = 0;
    uint32_t row = no_row;
  };

  size_t mask() const { return slots_.size() - 1; }

  void place(slot entry) {
    size_t at = entry.tag & mask();
    while (slots_[at].row != no_row)
      at = (at + 1) & mask();
    slots_[at] = entry;
  }

  // To the power of two at or above `slot_count`.
  void grow(size_t slot_count) {
    size_t size = 64;
    while (size < slot_count)
      size *= 2;
    std::vector<slot> old = std::move(slots_);
    slots_.assign(size, slot{});
    for (const slot& entry : old)
      if (entry.row != no_row)
        place(entry);
  }

  std::vector<slot> slots_;
  size_t size_ = 0;
};

// The rows of one group, ascending. Most groups hold a few rows (one
// person's tickets of a month), kept inline so that adding one touches no
// further cache line; larger groups spill to the heap.
class row_list {
public:
  const uint32_t* begin() const { return spilled() ? spill_.data() : inline_; }
  const uint32_t* end() const { return begin() + size_; }

  void insert(uint32_t row) {
    if (!spilled() && size_ < inline_capacity) {
      uint32_t* at = std::lower_bound(inline_, inline_ + size_, row);
      std::copy_backward(at, inline_ + size_, inline_ + size_ + 1);
      *at = row;
    } else {
      if (!spilled())
        spill_.assign(inline_, inline_ + size_);
      spill_.insert(std::lower_bound(spill_.begin(), spill_.end(), row), row);
    }
    ++size_;
  }

  void erase(uint32_t row) {
    uint32_t* first = spilled() ? spill_.data() : inline_;
    const auto kept = static_cast<uint32_t>(std::remove(first, first + size_, row) - first);
    if (spilled())
      spill_.resize(kept);
    size_ = kept;
  }

private:
  static constexpr uint32_t inline_capacity = 4;

  bool spilled() const { return !spill_.empty(); }

  uint32_t size_ = 0;
  uint32_t inline_[inline_capacity] = {};
  std::vector<uint32_t> spill_;
};

// Groups found by key through a row_index over the group list. Groups are
// never removed: one emptied by a replacement just stays empty.
template <class Group>
class group_table {
public:
  template <class Matches>
  const Group* find(uint64_t hash, const Matches& matches) const {
    const uint32_t at = index_.find(hash, [&](uint32_t g) { return matches(groups_[g]); });
    return at == no_row ? nullptr : &groups_[at];
  }

  // The group that `matches`, or `make()` added as a new one.
  template <class Matches, class Make>
  Group& find_or_add(uint64_t hash, const Matches& matches, const Make& make) {
    const uint32_t at = index_.find(hash, [&](uint32_t g) { return matches(groups_[g]); });
    if (at != no_row)
      return groups_[at];
    index_.insert(hash, static_cast<uint32_t>(groups_.size()));
    return groups_.emplace_back(make());
  }

  std::vector<Group>& groups() { return groups_; }

private:
  row_index index_;
  std::vector<Group> groups_;
};

// Tickets printed with one 公費負担者番号 + 受給者番号, for one month.
struct number_group {
  uint64_t numbers = 0;
  uint32_t month = 0;
  row_list tickets;
};

// One person's tickets of one month, and whether recipients.csv knows the
// person (looked up once per group, not per ticket).
struct person_month_group {
  uint32_t office = 0;
  uint32_t month = 0;
  std::string person_id;
  bool person_known = false;
  row_list tickets;
};

// Recipient rows that share a name_key().
struct name_group {
  std::string key;
  row_list recipients;
};

// What the feed holds about one (office_no, person_id).
struct person {
  uint32_t office = 0;           // 公費負担者番号 as a number
  std::string person_id;
  std::vector<uint32_t> periods; // recipients_, by protected_from
  std::vector<uint32_t> schemes; // other_schemes_, in load order
};

template <class T>
row_range<T> range_of(const std::vector<T>& rows, const std::vector<uint32_t>& picks) {
  return {rows, picks.data(), picks.data() + picks.size()};
}

template <class T>
row_range<T> range_of(const std::vector<T>& rows, const row_list& picks) {
  return {rows, picks.begin(), picks.end()};
}

} // namespace

uint8_t institution_table_of(care care_type) {
  switch (care_type) {
    case care::inpatient:
    case care::outpatient: return 1;
    case care::dental: return 3;
    case care::pharmacy: return 4;
    case care::home_nursing: return 6;
  }
  return 0;
}

const char* to_string(feed_file kind) {
  switch (kind) {
    case feed_file::recipients: return "recipients";
    case feed_file::tickets: return "tickets";
    case feed_file::other_schemes: return "other_schemes";
  }
  return "unknown";
}

struct office_feed::indexes {
  std::vector<person> persons;
  row_index person_ids; // over persons: (office, person_id)
  row_index ticket_ids; // over tickets_: ticket_id
  group_table<number_group> by_number;
  group_table<person_month_group> by_person_month;
  group_table<name_group> by_name; // key: name_key()
  std::unordered_set<uint32_t> ticket_offices;
  // Tickets that name a ticket they replace (entries go stale when a later
  // delivery drops the replaces; they are skipped and pruned), and the
  // tickets marked superseded. Corrections are few, so keeping these lists
  // spares a pass over every ticket after each load.
  std::vector<uint32_t> corrections;
  std::vector<uint32_t> superseded;
  // A recipients load gave a person their first period: tickets already
  // held for them must learn that the person is known.
  bool persons_became_known = false;

  uint32_t person_number(uint32_t office, std::string_view person_id) const {
    return person_ids.find(hash_person(office, person_id), [&](uint32_t p) {
      return persons[p].office == office && persons[p].person_id == person_id;
    });
  }

  const person* find_person(uint32_t office, std::string_view person_id) const {
    const uint32_t found = person_number(office, person_id);
    return found == no_row ? nullptr : &persons[found];
  }

  person& person_of(std::string_view office_no, std::string_view person_id) {
    const uint32_t office = office_number(office_no);
    const uint32_t found = person_number(office, person_id);
    if (found != no_row)
      return persons[found];
    person_ids.insert(hash_person(office, person_id), static_cast<uint32_t>(persons.size()));
    return persons.emplace_back(person{office, std::string{person_id}, {}, {}});
  }

  bool has_periods(uint32_t office, std::string_view person_id) const {
    const person* who = find_person(office, person_id);
    return who != nullptr && !who->periods.empty();
  }

  const person_month_group* find_person_month(uint32_t office, std::string_view person_id, uint32_t month) const {
    return by_person_month.find(hash_person_month(office, person_id, month), [&](const person_month_group& g) {
      return g.office == office && g.month == month && g.person_id == person_id;
    });
  }

  person_month_group& person_month_of(uint32_t office, std::string_view person_id, uint32_t month) {
    return by_person_month.find_or_add(
      hash_person_month(office, person_id, month),
      [&](const person_month_group& g) { return g.office == office && g.month == month && g.person_id == person_id; },
      [&] {
        return person_month_group{office, month, std::string{person_id}, has_periods(office, person_id), {}};
      });
  }

  const number_group* find_number(uint64_t numbers, uint32_t month) const {
    return by_number.find(hash_numbers_month(numbers, month),
                          [&](const number_group& g) { return g.numbers == numbers && g.month == month; });
  }

  number_group& number_of(uint64_t numbers, uint32_t month) {
    return by_number.find_or_add(
      hash_numbers_month(numbers, month),
      [&](const number_group& g) { return g.numbers == numbers && g.month == month; },
      [&] { return number_group{numbers, month, {}}; });
  }

  const name_group* find_name(const std::string& key) const {
    return by_name.find(hash_text(key), [&](const name_group& g) { return g.key == key; });
  }

  name_group& name_of(std::string key) {
    const uint64_t hash = hash_text(key);
    return by_name.find_or_add(
      hash, [&](const name_group& g) { return g.key == key; }, [&] { return name_group{std::move(key), {}}; });
  }
};

office_feed::office_feed() : indexes_(std::make_unique<indexes>()) {}
office_feed::~office_feed() = default;
office_feed::office_feed(office_feed&&) noexcept = default;
office_feed& office_feed::operator=(office_feed&&) noexcept = default;

std::string ticket::institution() const {
  return institution_pref + static_cast<char>('0' + institution_table) + institution_code;
}

error office_feed::load(feed_file kind, const std::filesystem::path& file) {
  return load(kind, csv_reader::open(file), file.string());
}

error office_feed::load(feed_file kind, std::string_view bytes, std::string source) {
  auto reader = csv_reader::from_bytes(bytes, source);
  return load(kind, std::move(reader), std::move(source));
}

error office_feed::load(feed_file kind, expected<csv_reader> reader, std::string source) {
  file_report report;
  report.file = std::move(source);
  report.kind = kind;
  auto fail = [&](const error& err) {
    report.error = std::string{to_string(kind)} + " file " + err.message;
    files_.push_back(report);
    return make_error(err.code, report.error);
  };
  if (!reader)
    return fail(reader.error_value());
  report.encoding = reader->encoding();
  report.undecodable_bytes = reader->undecodable_bytes();

  const column_list columns = columns_of(kind);
  std::vector<size_t> at;
  for (size_t i = 0; i < columns.size; ++i) {
    const auto found = columns.first[i].required ? reader->required_column(columns.first[i].name)
                                                 : reader->optional_column(columns.first[i].name);
    if (!found)
      return fail(found.error_value());
    at.push_back(*found);
  }

  if (kind == feed_file::tickets)
    reserve_tickets(reader->rows_left_at_most());
  const auto file_index = static_cast<uint32_t>(files_.size());
  // Two threads: this one adds rows to the feed (its indexes are not
  // shared), a second one reads, normalises and parses the rows ahead of it,
  // which was half of the work of loading a feed.
  row_queue queue;
  std::thread parsing{[&] { parse_rows(kind, columns, at, *reader, file_index, queue); }};
  for (;;) {
    auto batch = queue.pop();
    if (batch.empty())
      break;
    for (auto& r : batch) {
      ++report.rows_read;
      std::string reason = std::move(r.reason);
      outcome result = outcome::quarantined;
      if (r.rejected) {
        quarantine_.push_back(std::move(*r.rejected));
        ++report.quarantined;
        continue;
      }
      if (reason.empty()) {
        switch (kind) {
          case feed_file::recipients: result = add_recipient(std::move(std::get<recipient>(r.row)), reason); break;
          case feed_file::tickets: result = add_ticket(std::move(std::get<ticket>(r.row))); break;
          case feed_file::other_schemes: result = add_other_scheme(std::move(std::get<other_scheme>(r.row))); break;
        }
      }
      switch (result) {
        case outcome::loaded: ++report.loaded; break;
        case outcome::replaced: ++report.replaced; break;
        case outcome::unchanged: ++report.unchanged; break;
        case outcome::quarantined:
          quarantine_.push_back(reader->reject(r.line, r.raw, std::move(reason)));
          ++report.quarantined;
          break;
      }
    }
  }
  parsing.join();
  files_.push_back(std::move(report));
  refresh_ticket_links();
  return {};
}

office_feed::outcome office_feed::add_recipient(recipient&& row, std::string& reason) {
  person& who = indexes_->person_of(row.office_no, row.person_id);
  uint32_t same_key = no_row;
  for (uint32_t held : who.periods)
    if (recipients_[held].protected_from == row.protected_from)
      same_key = held;
  if (same_key != no_row && content(recipients_[same_key]) == content(row))
    return outcome::unchanged;
  for (uint32_t held : who.periods) {
    const recipient& other = recipients_[held];
    if (held == same_key || !overlaps(row.protected_from, row.protected_to, other.protected_from, other.protected_to))
      continue;
    reason = "protection " + period_text(row.protected_from, row.protected_to) + " on line "
             + std::to_string(row.source_line) + " overlaps " + period_text(other.protected_from, other.protected_to)
             + " on line " + std::to_string(other.source_line);
    if (other.source_file != row.source_file)
      reason += " of " + files_[other.source_file].file;
    reason += " (person " + row.person_id + ")";
    return outcome::quarantined;
  }
  if (same_key != no_row) {
    recipient& held = recipients_[same_key];
    indexes_->name_of(name_key(held.office_no, held.name, held.birth_date, held.sex)).recipients.erase(same_key);
    held = std::move(row);
    indexes_->name_of(name_key(held.office_no, held.name, held.birth_date, held.sex)).recipients.insert(same_key);
    return outcome::replaced;
  }
  const auto index = static_cast<uint32_t>(recipients_.size());
  const recipient& added = recipients_.emplace_back(std::move(row));
  indexes_->persons_became_known |= who.periods.empty();
  who.periods.insert(std::lower_bound(who.periods.begin(), who.periods.end(), added.protected_from,
                                      [this](uint32_t held, uint32_t from) {
                                        return recipients_[held].protected_from < from;
                                      }),
                     index);
  indexes_->name_of(name_key(added.office_no, added.name, added.birth_date, added.sex)).recipients.insert(index);
  return outcome::loaded;
}

office_feed::outcome office_feed::add_ticket(ticket&& row) {
  const uint64_t hash = hash_text(row.ticket_id);
  const uint32_t held =
    indexes_->ticket_ids.find(hash, [&](uint32_t t) { return tickets_[t].ticket_id == row.ticket_id; });
  if (held == no_row) {
    const auto index = static_cast<uint32_t>(tickets_.size());
    if (!row.replaces.empty())
      indexes_->corrections.push_back(index);
    tickets_.push_back(std::move(row));
    indexes_->ticket_ids.insert(hash, index);
    index_ticket(index);
    return outcome::loaded;
  }
  if (content(tickets_[held]) == content(row))
    return outcome::unchanged;
  // A ticket already listed as a correction stays listed (the entry is
  // pruned if it went stale); one that now names a ticket joins the list.
  if (tickets_[held].replaces.empty() && !row.replaces.empty())
    indexes_->corrections.push_back(held);
  unindex_ticket(held);
  tickets_[held] = std::move(row);
  index_ticket(held);
  return outcome::replaced;
}

office_feed::outcome office_feed::add_other_scheme(other_scheme&& row) {
  person& who = indexes_->person_of(row.office_no, row.person_id);
  for (uint32_t held : who.schemes) {
    other_scheme& same = other_schemes_[held];
    if (same.law_no != row.law_no || same.valid_from != row.valid_from)
      continue;
    if (content(same) == content(row))
      return outcome::unchanged;
    same = std::move(row);
    return outcome::replaced;
  }
  who.schemes.push_back(static_cast<uint32_t>(other_schemes_.size()));
  other_schemes_.push_back(std::move(row));
  return outcome::loaded;
}

void office_feed::reserve_tickets(size_t more) {
  // One allocation for a large delivery rather than one per doubling, each
  // copying every ticket held; growth stays geometric, so that a small
  // increment does not copy them all either.
  const size_t needed = tickets_.size() + more;
  if (needed > tickets_.capacity())
    tickets_.reserve(std::max(needed, tickets_.capacity() * 2));
  indexes_->ticket_ids.reserve(needed);
}

void office_feed::index_ticket(uint32_t index) {
  ticket& t = tickets_[index];
  const uint32_t office = office_number(t.office_no);
  indexes_->number_of(numbers_of(office, t.recipient_no), t.month).tickets.insert(index);
  person_month_group& month = indexes_->person_month_of(office, t.person_id, t.month);
  month.tickets.insert(index);
  t.person_known = month.person_known;
  indexes_->ticket_offices.insert(office);
}

void office_feed::unindex_ticket(uint32_t index) {
  const ticket& t = tickets_[index];
  const uint32_t office = office_number(t.office_no);
  indexes_->number_of(numbers_of(office, t.recipient_no), t.month).tickets.erase(index);
  indexes_->person_month_of(office, t.person_id, t.month).tickets.erase(index);
}

void office_feed::refresh_ticket_links() {
  indexes& ix = *indexes_;
  if (ix.persons_became_known) {
    for (person_month_group& month : ix.by_person_month.groups()) {
      const bool known = ix.has_periods(month.office, month.person_id);
      if (known == month.person_known)
        continue;
      month.person_known = known;
      for (uint32_t t : month.tickets)
        tickets_[t].person_known = known;
    }
    ix.persons_became_known = false;
  }
  for (uint32_t marked : ix.superseded)
    tickets_[marked].superseded_by.clear();
  ix.superseded.clear();
  ix.corrections.erase(std::remove_if(ix.corrections.begin(), ix.corrections.end(),
                                      [&](uint32_t c) { return tickets_[c].replaces.empty(); }),
                       ix.corrections.end());
  // Where several tickets correct one, the last loaded names it.
  std::sort(ix.corrections.begin(), ix.corrections.end());
  ix.corrections.erase(std::unique(ix.corrections.begin(), ix.corrections.end()), ix.corrections.end());
  for (uint32_t c : ix.corrections) {
    const std::string& target = tickets_[c].replaces;
    const uint32_t corrected =
      ix.ticket_ids.find(hash_text(target), [&](uint32_t t) { return tickets_[t].ticket_id == target; });
    if (corrected == no_row)
      continue;
    tickets_[corrected].superseded_by = tickets_[c].ticket_id;
    ix.superseded.push_back(corrected);
  }
}

const ticket* office_feed::find_ticket(std::string_view ticket_id) const {
  const uint32_t found = indexes_->ticket_ids.find(hash_text(ticket_id), [&](uint32_t t) {
    return tickets_[t].ticket_id == ticket_id;
  });
  return found == no_row ? nullptr : &tickets_[found];
}

row_range<ticket> office_feed::tickets_by_number(std::string_view office_no, std::string_view recipient_no,
                                                 uint32_t month) const {
  const uint32_t office = office_number(office_no);
  if (office == 0 || recipient_no.size() != 7 || !all_digits(recipient_no))
    return {};
  const number_group* found = indexes_->find_number(numbers_of(office, recipient_no), month);
  return found == nullptr ? row_range<ticket>{} : range_of(tickets_, found->tickets);
}

row_range<ticket> office_feed::tickets_by_person(std::string_view office_no, std::string_view person_id,
                                                 uint32_t month) const {
  const person_month_group* found = indexes_->find_person_month(office_number(office_no), person_id, month);
  return found == nullptr ? row_range<ticket>{} : range_of(tickets_, found->tickets);
}

row_range<recipient> office_feed::recipients_by_name(std::string_view office_no, std::string_view name,
                                                     uint32_t birth_date, uint8_t sex) const {
  const name_group* found = indexes_->find_name(name_key(office_no, name, birth_date, sex));
  return found == nullptr ? row_range<recipient>{} : range_of(recipients_, found->recipients);
}

row_range<recipient> office_feed::protection_periods(std::string_view office_no, std::string_view person_id) const {
  const person* who = indexes_->find_person(office_number(office_no), person_id);
  return who == nullptr ? row_range<recipient>{} : range_of(recipients_, who->periods);
}

row_range<other_scheme> office_feed::other_schemes_of(std::string_view office_no, std::string_view person_id) const {
  const person* who = indexes_->find_person(office_number(office_no), person_id);
  return who == nullptr ? row_range<other_scheme>{} : range_of(other_schemes_, who->schemes);
}

bool office_feed::has_ticket_feed(std::string_view office_no) const {
  return indexes_->ticket_offices.count(office_number(office_no)) > 0;
}

} // namespace receptor::feed
