#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "receptor/match/claim.hpp"

namespace receptor::match {

/// Match statuses of spec/results.md, in their order of precedence: a receipt
/// with several problems gets the first as its status.
enum class status : uint8_t {
  matched,
  no_ticket,
  institution_mismatch,
  care_type_mismatch,
  outside_validity,
  not_protected,
  person_mismatch,
  copay_mismatch,
  unknown_recipient,
  invalid_number,
  duplicate_claim,
  insurance_inconsistent,
  no_ticket_feed,
  not_welfare, ///< bills neither 12 nor 25: not matched (empty in the results)
};

/// The code written in the results (`MATCHED`, `NO_TICKET`, …; "" for not_welfare).
const char* to_string(status s);

/// 1 info, 2 review, 3 act.
uint8_t severity_of(status s);

/// A ticket as a shard holds it.
struct ticket_row {
  std::string ticket_id;
  std::string office_no;
  std::string recipient_no;
  std::string person_id;
  uint32_t month = 0;
  uint8_t care = 0;          ///< care_type
  std::string institution;   ///< 10-character key
  uint32_t valid_from = 0;   ///< YYYYMMDD
  uint32_t valid_to = 0;
  int32_t copay = 0;
  bool with_insurance = false; ///< 併用: an insurer pays first
  bool in_force = true;        ///< issued and not corrected by another ticket
  bool cancelled = false;
};

/// A protection period of a person as a shard holds it.
struct recipient_row {
  std::string office_no;
  std::string person_id;
  std::string name_key;      ///< normalised name
  uint32_t birth_date = 0;
  uint8_t sex = 0;
  uint32_t protected_from = 0;
  uint32_t protected_to = 0; ///< 0 = still protected
};

/// Another public scheme (他法) a person holds, as a shard keeps it.
struct scheme_row {
  std::string office_no;
  std::string person_id;
  uint8_t law_no = 0;        ///< 法別番号 of the scheme (15 更生医療, 21 精神通院, …)
  uint32_t valid_from = 0;   ///< YYYYMMDD
  uint32_t valid_to = 0;     ///< YYYYMMDD; 0 = open
};

/// One problem, with the evidence a caseworker needs.
struct finding {
  std::string finding_id;    ///< stable: the same facts give the same id
  std::string code;
  uint8_t severity = 2;
  std::string office_no;
  std::string person_id;
  std::string recipient_no;
  uint32_t month = 0;
  std::string institution;
  std::string receipt_key;   ///< "" for ticket-level findings
  std::string ticket_id;
  double value = 0;
  std::string detail;
};

/// The match of one receipt.
struct receipt_match {
  std::string receipt_key;
  uint32_t source_file = 0;
  uint32_t source_line = 0;
  status result = status::matched;
  std::string ticket_id;
  std::string person_id;
};

/// What became of one ticket.
struct ticket_use {
  std::string ticket_id;
  std::string use_status;    ///< used, TICKET_UNUSED, cancelled, pending
};

/// Everything a shard (or a whole run) decides.
struct match_results {
  std::vector<receipt_match> receipts;  ///< sorted by receipt_key
  std::vector<ticket_use> tickets;      ///< sorted by ticket_id
  std::vector<finding> findings;        ///< sorted by (receipt_key, ticket_id, code)
  std::vector<claim> claims;            ///< the claims matched, sorted like receipts
  std::vector<claim> kept;              ///< claims of people not asked for (match with `only`)
  /// Every ticket the book held, in no particular order; filled only by the
  /// consuming match(), whose owner no longer needs them.
  std::vector<ticket_row> ticket_rows;
};

/// The receipts, tickets and protection periods of a slice of people, and the
/// rules that match them (資格点検). A shard owns one; a single-process run
/// owns one for everybody. The outcome does not depend on how people are
/// sliced, because every rule looks at one person at a time.
class person_book {
public:
  /// Offices that delivered tickets; the others get NO_TICKET_FEED.
  void offices_with_tickets(std::vector<std::string> offices);
  void add_tickets(std::vector<ticket_row> rows);
  void add_recipients(std::vector<recipient_row> rows);
  /// A claim with the key of another replaces it if it comes later in the
  /// run's inputs (source file, then line): a resubmission. Arrival order
  /// does not matter.
  void add_claims(std::vector<claim> claims);

  /// Other schemes people hold (other_schemes.csv), read by the checks.
  void add_schemes(std::vector<scheme_row> rows);

  size_t claims() const { return claims_.size(); }
  const std::vector<claim>& all_claims() const { return claims_; }
  const std::vector<scheme_row>& schemes() const { return schemes_; }

  /// The claims that are DUPLICATE_CLAIM (key → key of the claim they
  /// duplicate): the same person, institution, month and care type billed
  /// under another key that came first in file order. Computed once per
  /// set of claims: matching, the checks and the features all ask.
  const std::unordered_map<std::string, std::string>& duplicate_keys() const;

  /// Matches every claim. Tickets with no receipt by `as_of_month` minus two
  /// months are TICKET_UNUSED. With `only`, matches just the claims and
  /// tickets of those people (keys of person_key()): every rule looks at one
  /// person, so the others' outcome cannot change.
  match_results match(uint32_t as_of_month, const std::unordered_set<std::string>* only = nullptr) const&;

  /// The same, moving the claims and tickets into the results instead of
  /// copying them: for an owner done with the book (a SHARD after its
  /// checks), which is left empty.
  match_results match(uint32_t as_of_month, const std::unordered_set<std::string>* only = nullptr) &&;

private:
  /// Everything but the claims themselves: `order` and `kept` receive the
  /// claims matched (in result order) and the claims not asked for.
  match_results match_receipts(uint32_t as_of_month, const std::unordered_set<std::string>* only,
                               std::vector<const claim*>& order, std::vector<const claim*>& kept) const;


  std::vector<std::string> feed_offices_;
  std::vector<ticket_row> tickets_;
  std::vector<recipient_row> recipients_;
  std::vector<claim> claims_;
  std::vector<scheme_row> schemes_;
  mutable std::optional<std::unordered_map<std::string, std::string>> duplicates_; // until claims change
  std::unordered_map<std::string, size_t> claim_by_key_;
};

/// The one order of findings, whatever produced them and however people were
/// sharded: by receipt, ticket and code, the id breaking the last ties.
void sort_findings(std::vector<finding>& findings);

/// A finding about one receipt, its person and institution taken from the
/// claim; the id follows from code and receipt key.
finding receipt_finding(const claim& c, std::string code, uint8_t severity, double value, std::string detail);

/// A stable finding id: 16 hex digits of a hash of code and subject.
std::string make_finding_id(std::string_view code, std::string_view subject);

/// The person a claim belongs to, as a key: office and person id, or for an
/// unidentified claim office and 受給者番号.
std::string person_key(const claim& c);
std::string person_key(std::string_view office_no, std::string_view person_id);

/// What became of a ticket: cancelled, used (by a claim of its person),
/// TICKET_UNUSED (with its finding) when no receipt came within two further
/// months of `as_of_month`, else pending.
ticket_use use_of_ticket(const ticket_row& t, bool used, uint32_t as_of_month, std::vector<finding>& findings);

/// The status of a result code ("MATCHED" …); not_welfare for "".
status status_from_string(std::string_view code);

} // namespace receptor::match
