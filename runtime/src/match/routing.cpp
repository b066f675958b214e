#include "receptor/match/routing.hpp"

#include "receptor/feed/normalize.hpp"

namespace receptor::match {

void identify(claim& c, const feed::office_feed& feed) {
  if (c.law_no == 0)
    return;
  // Tickets in force first: a cancelled ticket still names its person, but
  // a live one is the better witness.
  std::string_view from_ticket;
  for (auto& t : feed.tickets_by_number(c.office_no, c.recipient_no, c.month)) {
    if (from_ticket.empty() || t.in_force())
      from_ticket = t.person_id;
    if (t.in_force())
      break;
  }
  if (!from_ticket.empty()) {
    c.person_id = std::string{from_ticket};
    c.identified = static_cast<uint8_t>(identity::by_number);
    return;
  }
  std::string_view person;
  bool ambiguous = false;
  for (auto& r : feed.recipients_by_name(c.office_no, c.name, c.birth_date, c.sex)) {
    if (!person.empty() && person != r.person_id)
      ambiguous = true;
    person = r.person_id;
  }
  if (!person.empty() && !ambiguous) {
    c.person_id = std::string{person};
    c.identified = static_cast<uint8_t>(identity::by_name);
  }
}

uint32_t shard_of(std::string_view office_no, std::string_view person_id, uint32_t shards) {
  // FNV-1a: the same on every machine and every run (std::hash is not).
  uint64_t h = 1469598103934665603ull;
  for (auto part : {office_no, std::string_view{"|"}, person_id})
    for (unsigned char ch : part) {
      h ^= ch;
      h *= 1099511628211ull;
    }
  return shards == 0 ? 0 : static_cast<uint32_t>(h % shards);
}

uint32_t shard_of(const claim& c, uint32_t shards) {
  if (!c.person_id.empty())
    return shard_of(c.office_no, c.person_id, shards);
  return shard_of(c.office_no, "#" + c.recipient_no, shards);
}

ticket_row to_ticket_row(const feed::ticket& t) {
  ticket_row r;
  r.ticket_id = t.ticket_id;
  r.office_no = t.office_no;
  r.recipient_no = t.recipient_no;
  r.person_id = t.person_id;
  r.month = t.month;
  r.care = static_cast<uint8_t>(t.care_type);
  r.institution = t.institution();
  r.valid_from = t.valid_from;
  r.valid_to = t.valid_to;
  r.copay = static_cast<int32_t>(t.copay);
  r.with_insurance = !t.insurer_no.empty();
  r.in_force = t.in_force();
  r.cancelled = t.status == feed::ticket_status::cancelled;
  return r;
}

recipient_row to_recipient_row(const feed::recipient& r) {
  recipient_row out;
  out.office_no = r.office_no;
  out.person_id = r.person_id;
  out.name_key = feed::normalize_name(r.name);
  out.birth_date = r.birth_date;
  out.sex = r.sex;
  out.protected_from = r.protected_from;
  out.protected_to = r.protected_to;
  return out;
}

} // namespace receptor::match
