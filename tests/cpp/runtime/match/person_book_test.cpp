#include "receptor/match/person_book.hpp"

#include <gtest/gtest.h>

using namespace receptor::match;

namespace {

constexpr const char* office = "12271011";
constexpr const char* clinic = "2711234567";

ticket_row ticket(std::string id = "T1", std::string institution = clinic, uint8_t care = 2) {
  ticket_row t;
  t.ticket_id = std::move(id);
  t.office_no = office;
  t.recipient_no = "1234566";
  t.person_id = "P1";
  t.month = 202406;
  t.care = care;
  t.institution = std::move(institution);
  t.valid_from = 20240601;
  t.valid_to = 20240630;
  return t;
}

recipient_row person(uint32_t from = 20200101, uint32_t to = 0) {
  recipient_row r;
  r.office_no = office;
  r.person_id = "P1";
  r.name_key = "生保太郎";
  r.birth_date = 19580305;
  r.sex = 1;
  r.protected_from = from;
  r.protected_to = to;
  return r;
}

claim receipt(std::string key = "k1") {
  claim c;
  c.receipt_key = std::move(key);
  c.source_line = 2;
  c.kind = 1;
  c.care = 2;
  c.law_no = 12;
  c.office_no = office;
  c.recipient_no = "1234566";
  c.month = 202406;
  c.institution = clinic;
  c.care_days = (1u << 1) | (1u << 15); // 2nd and 16th
  c.name_key = "生保太郎";
  c.birth_date = 19580305;
  c.sex = 1;
  c.person_id = "P1";
  c.identified = static_cast<uint8_t>(identity::by_number);
  return c;
}

struct book_fixture : ::testing::Test {
  person_book book;
  void SetUp() override { book.offices_with_tickets({office}); }
  match_results run(std::vector<claim> claims, std::vector<ticket_row> tickets = {ticket()},
                    std::vector<recipient_row> people = {person()}) {
    book.add_tickets(std::move(tickets));
    book.add_recipients(std::move(people));
    book.add_claims(std::move(claims));
    return book.match(202406);
  }
  status status_of(match_results r, size_t i = 0) { return r.receipts.at(i).result; }
};

bool has_code(const match_results& r, const std::string& code) {
  for (auto& f : r.findings)
    if (f.code == code)
      return true;
  return false;
}

} // namespace

TEST_F(book_fixture, a_valid_ticket_matches) {
  auto r = run({receipt()});
  EXPECT_EQ(status_of(r), status::matched);
  EXPECT_EQ(r.receipts[0].ticket_id, "T1");
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.tickets.at(0).use_status, "used");
}

// A SHARD done with its book takes the claims and the tickets out of it
// instead of copying them; the outcome is the same as the copying match.
TEST_F(book_fixture, the_consuming_match_hands_over_claims_and_tickets) {
  book.add_tickets({ticket("T1"), ticket("T2")});
  book.add_recipients({person()});
  book.add_claims({receipt("k1")});
  auto copied = book.match(202406);
  EXPECT_TRUE(copied.ticket_rows.empty());
  auto taken = std::move(book).match(202406);
  ASSERT_EQ(taken.claims.size(), 1u);
  EXPECT_EQ(taken.claims[0].receipt_key, copied.claims[0].receipt_key);
  EXPECT_EQ(taken.receipts.at(0).result, copied.receipts.at(0).result);
  ASSERT_EQ(taken.ticket_rows.size(), 2u);
  EXPECT_EQ(taken.ticket_rows[0].ticket_id, "T1");
  EXPECT_EQ(taken.ticket_rows[1].ticket_id, "T2");
  EXPECT_EQ(taken.tickets.size(), copied.tickets.size());
  EXPECT_EQ(book.claims(), 0u); // NOLINT(bugprone-use-after-move): the book is left empty, by contract
}

TEST_F(book_fixture, no_ticket_for_the_month) {
  auto t = ticket();
  t.month = 202405;
  EXPECT_EQ(status_of(run({receipt()}, {t})), status::no_ticket);
}

TEST_F(book_fixture, ticket_for_another_institution) {
  auto r = run({receipt()}, {ticket("T1", "2719999999")});
  EXPECT_EQ(status_of(r), status::institution_mismatch);
  EXPECT_NE(r.findings.at(0).detail.find("2719999999"), std::string::npos);
}

TEST_F(book_fixture, ticket_for_another_care_type) {
  EXPECT_EQ(status_of(run({receipt()}, {ticket("T1", clinic, 1)})), status::care_type_mismatch);
}

TEST_F(book_fixture, care_days_outside_validity) {
  auto t = ticket();
  t.valid_to = 20240615; // the 16th is outside
  auto r = run({receipt()}, {t});
  EXPECT_EQ(status_of(r), status::outside_validity);
  EXPECT_EQ(r.findings.at(0).value, 16);
  t.valid_to = 20240616; // just inside
  person_book other;
  other.offices_with_tickets({office});
  other.add_tickets({t});
  other.add_recipients({person()});
  other.add_claims({receipt()});
  EXPECT_EQ(other.match(202406).receipts.at(0).result, status::matched);
}

TEST_F(book_fixture, care_after_protection_ended) {
  auto r = run({receipt()}, {ticket()}, {person(20200101, 20240610)});
  EXPECT_EQ(status_of(r), status::not_protected);
  EXPECT_NE(r.findings.at(0).detail.find("2024-06-16"), std::string::npos);
}

TEST_F(book_fixture, care_in_the_gap_between_two_protection_periods) {
  auto r = run({receipt()}, {ticket()}, {person(20200101, 20240605), person(20240620, 0)});
  EXPECT_EQ(status_of(r), status::not_protected);
  // Both periods cover the days: matched.
  person_book other;
  other.offices_with_tickets({office});
  other.add_tickets({ticket()});
  other.add_recipients({person(20200101, 20240605), person(20240606, 0)});
  other.add_claims({receipt()});
  EXPECT_EQ(other.match(202406).receipts.at(0).result, status::matched);
}

TEST_F(book_fixture, birth_date_disagrees) {
  auto c = receipt();
  c.birth_date = 19580306;
  EXPECT_EQ(status_of(run({c})), status::person_mismatch);
}

TEST_F(book_fixture, copay_typo) {
  auto c = receipt();
  c.copay = 1000;
  auto r = run({c});
  EXPECT_EQ(status_of(r), status::copay_mismatch);
  EXPECT_EQ(r.findings.at(0).value, 1000);
}

TEST_F(book_fixture, unidentified_person) {
  auto c = receipt();
  c.person_id.clear();
  c.identified = 0;
  EXPECT_EQ(status_of(run({c})), status::unknown_recipient);
}

TEST_F(book_fixture, wrong_check_digit_is_reported_with_the_first_status) {
  auto c = receipt();
  c.recipient_no_valid = false;
  auto r = run({c});
  EXPECT_EQ(status_of(r), status::invalid_number);
  c.copay = 5; // an earlier status wins, the number stays a finding
  person_book other;
  other.offices_with_tickets({office});
  other.add_tickets({ticket()});
  other.add_recipients({person()});
  other.add_claims({c});
  auto r2 = other.match(202406);
  EXPECT_EQ(r2.receipts.at(0).result, status::copay_mismatch);
  EXPECT_TRUE(has_code(r2, "INVALID_NUMBER"));
  EXPECT_TRUE(has_code(r2, "COPAY_MISMATCH"));
}

TEST_F(book_fixture, duplicate_claim_but_not_a_resubmission) {
  auto first = receipt("k1");
  auto second = receipt("k2");
  second.source_line = 40;
  auto r = run({second, first});
  EXPECT_EQ(r.receipts.at(0).receipt_key, "k1");
  EXPECT_EQ(status_of(r, 0), status::matched);
  EXPECT_EQ(status_of(r, 1), status::duplicate_claim);
  // A resubmission carries the original's key and replaces it: the claim
  // of the later input wins, in whichever order READERs delivered them.
  auto again = receipt("k1");
  again.source_file = 1;
  again.points = 99;
  for (bool later_first : {false, true}) {
    person_book other;
    other.offices_with_tickets({office});
    other.add_tickets({ticket()});
    other.add_recipients({person()});
    if (later_first) {
      other.add_claims({again});
      other.add_claims({receipt("k1")});
    } else {
      other.add_claims({receipt("k1")});
      other.add_claims({again});
    }
    auto r2 = other.match(202406);
    ASSERT_EQ(r2.receipts.size(), 1u);
    EXPECT_EQ(r2.claims.at(0).points, 99) << (later_first ? "later first" : "later last");
    EXPECT_EQ(r2.receipts.at(0).result, status::matched);
  }
}

TEST_F(book_fixture, insurance_contradicts_the_ticket) {
  auto t = ticket();
  t.with_insurance = true;
  EXPECT_EQ(status_of(run({receipt()}, {t})), status::insurance_inconsistent);
  auto c = receipt();
  c.insured = true;
  c.insurance_excluded = true; // 国保 with KO 12
  person_book other;
  other.offices_with_tickets({office});
  other.add_tickets({ticket()});
  other.add_recipients({person()});
  other.add_claims({c});
  EXPECT_EQ(other.match(202406).receipts.at(0).result, status::insurance_inconsistent);
}

TEST_F(book_fixture, office_without_a_ticket_feed) {
  person_book other; // no office delivered tickets
  other.add_claims({receipt()});
  auto r = other.match(202406);
  EXPECT_EQ(r.receipts.at(0).result, status::no_ticket_feed);
}

TEST_F(book_fixture, unused_ticket_after_two_further_months) {
  book.add_tickets({ticket()});
  auto r = book.match(202407);
  EXPECT_EQ(r.tickets.at(0).use_status, "pending");
  r = book.match(202408);
  EXPECT_EQ(r.tickets.at(0).use_status, "TICKET_UNUSED");
  EXPECT_TRUE(has_code(r, "TICKET_UNUSED"));
}

TEST_F(book_fixture, cancelled_and_superseded_tickets_do_not_count) {
  auto old = ticket("T1");
  old.in_force = false;
  auto r = run({receipt()}, {old});
  EXPECT_EQ(status_of(r), status::no_ticket);
  EXPECT_EQ(r.tickets.at(0).use_status, "cancelled");
}

TEST_F(book_fixture, finding_ids_are_stable) {
  auto c = receipt();
  c.copay = 7;
  auto a = run({c});
  person_book other;
  other.offices_with_tickets({office});
  other.add_tickets({ticket()});
  other.add_recipients({person()});
  other.add_claims({c});
  auto b = other.match(202406);
  EXPECT_EQ(a.findings.at(0).finding_id, b.findings.at(0).finding_id);
  EXPECT_EQ(a.findings.at(0).finding_id.size(), 16u);
  EXPECT_NE(make_finding_id("COPAY_MISMATCH", "k1"), make_finding_id("COPAY_MISMATCH", "k2"));
}
