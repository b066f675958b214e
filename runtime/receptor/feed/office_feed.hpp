#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/feed/csv_reader.hpp"

namespace receptor::feed {

/// 診療区分 of a ticket (the `care_type` column).
enum class care : uint8_t {
  inpatient = 1,    ///< 入院
  outpatient = 2,   ///< 入院外
  dental = 3,       ///< 歯科
  pharmacy = 4,     ///< 調剤
  home_nursing = 5, ///< 訪問看護
};

/// The 点数表 of the institution a ticket names: 1 医科 (入院・入院外),
/// 3 歯科, 4 調剤, 6 訪問看護.
uint8_t institution_table_of(care care_type);

/// Whether a ticket was issued or withdrawn by the office.
enum class ticket_status : uint8_t { issued, cancelled };

/// One person and protection period (a row of recipients.csv). Text is UTF-8,
/// trimmed, with full-width ASCII folded; numbers stay strings.
struct recipient {
  std::string office_no;      ///< 公費負担者番号 (8 digits, 法別 12 or 25)
  std::string person_id;      ///< the office's stable id, unique within office_no
  std::string case_no;        ///< ケース番号
  std::string name;           ///< 氏名 as delivered
  std::string name_kana;      ///< カナ氏名
  uint8_t sex = 0;            ///< 1 male, 2 female
  uint32_t birth_date = 0;    ///< YYYYMMDD
  std::string address;        ///< 住所
  uint32_t protected_from = 0; ///< 保護開始日 YYYYMMDD
  uint32_t protected_to = 0;  ///< 廃止日 YYYYMMDD (last protected day); 0 = still protected
  std::string caseworker;     ///< 地区担当員 code
  std::string insurer_no;     ///< 保険者番号 of 被用者保険 kept; "" = none
  uint32_t source_file = 0;   ///< index into office_feed::files()
  uint32_t source_line = 0;   ///< 1-based line of the row
};

/// One 医療券・調剤券 (a row of tickets.csv).
struct ticket {
  std::string ticket_id;         ///< 交付番号, unique in the feed
  std::string office_no;         ///< 公費負担者番号 printed on the ticket
  std::string recipient_no;      ///< 受給者番号 printed on the ticket (7 digits)
  std::string person_id;         ///< the person (recipients.csv)
  uint32_t month = 0;            ///< 診療年月 YYYYMM
  care care_type = care::outpatient;
  std::string institution_pref;  ///< 都道府県 01–47
  uint8_t institution_table = 0; ///< 点数表, from care_type
  std::string institution_code;  ///< 医療機関コード or 薬局コード (7 digits)
  uint32_t valid_from = 0;       ///< first day covered, YYYYMMDD, inside month
  uint32_t valid_to = 0;         ///< last day covered, YYYYMMDD, inside month
  uint32_t copay = 0;            ///< 本人支払額 in yen
  std::string insurer_no;        ///< 併用: 保険者番号 of the insurance that pays first
  std::vector<std::string> diseases; ///< 傷病名 as written on the ticket
  uint32_t issued_on = 0;        ///< 交付日 YYYYMMDD
  ticket_status status = ticket_status::issued;
  std::string replaces;          ///< ticket_id this ticket corrects
  std::string superseded_by;     ///< ticket_id of the ticket that corrects this one; "" if none
  /// False if the 受給者番号's check digit fails. Kept as printed, never
  /// corrected: matching reports INVALID_NUMBER.
  bool recipient_no_valid = true;
  /// False while recipients.csv has no row for (office_no, person_id).
  bool person_known = false;
  uint32_t source_file = 0;      ///< index into office_feed::files()
  uint32_t source_line = 0;      ///< 1-based line of the row

  /// institution_pref + 点数表 + institution_code: the 10-character
  /// institution key of the result tables.
  std::string institution() const;

  /// Issued and not corrected by another ticket: the ticket counts.
  bool in_force() const { return status == ticket_status::issued && superseded_by.empty(); }
};

/// Another public scheme (他法) a person holds (a row of other_schemes.csv).
struct other_scheme {
  std::string person_id;
  std::string office_no;
  std::string law_no;         ///< 法別番号 of the scheme (2 digits)
  uint32_t valid_from = 0;    ///< YYYYMMDD
  uint32_t valid_to = 0;      ///< YYYYMMDD; 0 = open
  uint32_t source_file = 0;   ///< index into office_feed::files()
  uint32_t source_line = 0;
};

/// The three files of the welfare office's feed.
enum class feed_file : uint8_t { recipients, tickets, other_schemes };

/// `recipients`, `tickets` or `other_schemes`.
const char* to_string(feed_file kind);

/// What one load of one file did. Every data row is counted in exactly one
/// of loaded, replaced, unchanged and quarantined.
struct file_report {
  std::string file;                 ///< the path as given
  feed_file kind = feed_file::tickets;
  file_encoding encoding = file_encoding::ascii;
  size_t undecodable_bytes = 0;     ///< bytes that did not decode (their rows are quarantined)
  std::string error;                ///< why the file could not be loaded at all; "" if it was
  uint64_t rows_read = 0;           ///< data rows (header and blank lines not counted)
  uint64_t loaded = 0;              ///< rows with a key not seen before
  uint64_t replaced = 0;            ///< rows that changed an earlier row with the same key
  uint64_t unchanged = 0;           ///< rows identical to an earlier row with the same key
  uint64_t quarantined = 0;         ///< rows rejected, each with a quarantine_row
};

/// Rows of one of the feed's tables picked by an index, as `const T&`.
/// Valid until the next load.
template <class T>
class row_range {
public:
  class iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    iterator() = default;
    iterator(const std::vector<T>* rows, const uint32_t* at) : rows_(rows), at_(at) {}

    const T& operator*() const { return (*rows_)[*at_]; }
    const T* operator->() const { return &(*rows_)[*at_]; }
    iterator& operator++() {
      ++at_;
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++at_;
      return before;
    }
    friend bool operator==(const iterator& a, const iterator& b) { return a.at_ == b.at_; }
    friend bool operator!=(const iterator& a, const iterator& b) { return a.at_ != b.at_; }

  private:
    const std::vector<T>* rows_ = nullptr;
    const uint32_t* at_ = nullptr;
  };

  row_range() = default;
  /// The rows of `rows` whose numbers are in [first, last).
  row_range(const std::vector<T>& rows, const uint32_t* first, const uint32_t* last)
    : rows_(&rows), first_(first), last_(last) {}

  iterator begin() const { return {rows_, first_}; }
  iterator end() const { return {rows_, last_}; }
  size_t size() const { return static_cast<size_t>(last_ - first_); }
  bool empty() const { return first_ == last_; }
  const T& operator[](size_t i) const { return (*rows_)[first_[i]]; }

private:
  const std::vector<T>* rows_ = nullptr;
  const uint32_t* first_ = nullptr;
  const uint32_t* last_ = nullptr;
};

/// The welfare office's half of the match (spec/ticket-feed.md): recipients,
/// tickets and other schemes, loaded from one or more deliveries.
///
/// Every row is validated; a bad row goes to the quarantine with file, line
/// and reason, and every other row is processed. Deliveries are increments:
/// recipients are keyed by (office_no, person_id, protected_from), tickets by
/// ticket_id and other schemes by (office_no, person_id, law_no, valid_from).
/// A row identical to the one already held is a no-op, a changed row with
/// the same key replaces it (the later delivery wins), so loading the same
/// file twice changes nothing.
///
/// Lookups are const and may run on several threads at once; a load may not
/// run beside them.
class office_feed {
public:
  office_feed();
  ~office_feed();
  /// A moved-from feed may only be destroyed or assigned to.
  office_feed(office_feed&&) noexcept;
  office_feed& operator=(office_feed&&) noexcept;

  /// Loads one file of the feed. Returns an error, and changes nothing, if
  /// the file is missing, unreadable, or lacks a required column; the error
  /// names the file (and the column). Bad rows are not errors: they are
  /// quarantined. Either way the load is recorded in files().
  error load(feed_file kind, const std::filesystem::path& file);

  /// The same for bytes already in memory; `source` names them in reports.
  error load(feed_file kind, std::string_view bytes, std::string source);

  /// The rows held, one per key, each as its latest delivery had it.
  const std::vector<recipient>& recipients() const { return recipients_; }
  const std::vector<ticket>& tickets() const { return tickets_; }
  const std::vector<other_scheme>& other_schemes() const { return other_schemes_; }

  /// Every row rejected, in load order: a file loaded twice reports its bad
  /// rows twice, once per load.
  const std::vector<quarantine_row>& quarantine() const { return quarantine_; }

  /// One report per load, in load order.
  const std::vector<file_report>& files() const { return files_; }

  /// The ticket with this 交付番号, or nullptr.
  const ticket* find_ticket(std::string_view ticket_id) const;

  /// Tickets printed with this 公費負担者番号 and 受給者番号 for a YYYYMM
  /// month, cancelled and superseded ones included (see ticket::in_force).
  row_range<ticket> tickets_by_number(std::string_view office_no, std::string_view recipient_no,
                                      uint32_t month) const;

  /// Tickets of one person for a YYYYMM month, whatever 受給者番号 they carry.
  row_range<ticket> tickets_by_person(std::string_view office_no, std::string_view person_id, uint32_t month) const;

  /// Recipient rows of an office whose name, birth date (YYYYMMDD) and sex
  /// match; names are compared by normalize_name. One row per protection
  /// period, so a person may appear more than once.
  row_range<recipient> recipients_by_name(std::string_view office_no, std::string_view name, uint32_t birth_date,
                                          uint8_t sex) const;

  /// A person's protection periods, by protected_from.
  row_range<recipient> protection_periods(std::string_view office_no, std::string_view person_id) const;

  /// The other schemes a person holds, in load order.
  row_range<other_scheme> other_schemes_of(std::string_view office_no, std::string_view person_id) const;

  /// True if any ticket was delivered for this 公費負担者番号. An office
  /// without tickets for a programme gets NO_TICKET_FEED, not NO_TICKET.
  bool has_ticket_feed(std::string_view office_no) const;

private:
  enum class outcome : uint8_t { loaded, replaced, unchanged, quarantined };

  // Lookup structures, defined with the code that keeps them.
  struct indexes;

  error load(feed_file kind, expected<csv_reader> reader, std::string source);
  outcome add_recipient(recipient&& row, std::string& reason);
  outcome add_ticket(ticket&& row);
  outcome add_other_scheme(other_scheme&& row);
  void reserve_tickets(size_t more);
  void index_ticket(uint32_t index);
  void unindex_ticket(uint32_t index);
  // Brings what one row cannot know alone up to date after a load:
  // superseded_by and person_known.
  void refresh_ticket_links();

  std::vector<recipient> recipients_;
  std::vector<ticket> tickets_;
  std::vector<other_scheme> other_schemes_;
  std::vector<quarantine_row> quarantine_;
  std::vector<file_report> files_;
  std::unique_ptr<indexes> indexes_;
};

} // namespace receptor::feed
