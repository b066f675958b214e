#pragma once

#include <cstdint>
#include <string_view>

#include "receptor/feed/office_feed.hpp"
#include "receptor/match/claim.hpp"
#include "receptor/match/person_book.hpp"

namespace receptor::match {

/// Finds the person behind a claim: through a ticket with its 公費負担者番号,
/// 受給者番号 and month, else through name + birth date + sex (normalised)
/// among the office's recipients. A 受給者番号 is not a lifelong id, so the
/// ticket decides, not the number.
void identify(claim& c, const feed::office_feed& feed);

/// The shard that owns a person (office + person id) among `shards`. Stable
/// across runs and processes, so a person's months meet in one shard.
uint32_t shard_of(std::string_view office_no, std::string_view person_id, uint32_t shards);

/// The shard of a claim: its person's, or for an unidentified claim the one
/// of its 受給者番号.
uint32_t shard_of(const claim& c, uint32_t shards);

/// The feed's rows as shards hold them.
ticket_row to_ticket_row(const feed::ticket& t);
recipient_row to_recipient_row(const feed::recipient& r);

} // namespace receptor::match
