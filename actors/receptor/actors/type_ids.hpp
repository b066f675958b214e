#pragma once

// The one registry of message types and atoms. Every type that crosses an
// actor boundary is listed here and registered by add_message_types().

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/type_id.hpp>

#include "receptor/actors/messages.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(receptor, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(receptor, (receptor::actors::claim_batch))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::ticket_batch))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::recipient_batch))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::office_list))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::file_done))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::match_request))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::shard_result))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::write_request))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::scheme_batch))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::person_feature_set))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::peer_model_set))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::person_scores))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::institution_set))
  CAF_ADD_TYPE_ID(receptor, (receptor::actors::institution_scores))

  // READER: read a file (index, path) and route its receipts to the SHARDs.
  CAF_ADD_ATOM(receptor, receptor::actors, read_atom, "read")
  // READER: the feed is loaded; identify and route the claims parked until then.
  CAF_ADD_ATOM(receptor, receptor::actors, feed_ready_atom, "feedready")
  // SHARD: match everything held; the argument is the as-of month.
  CAF_ADD_ATOM(receptor, receptor::actors, match_atom, "match")
  // WRITER: write a result file.
  CAF_ADD_ATOM(receptor, receptor::actors, write_atom, "write")
  // AGGREGATOR: fit peer models from every shard's person-months.
  CAF_ADD_ATOM(receptor, receptor::actors, fit_atom, "fit")
  // SHARD: score person-months against peer models; AGGREGATOR: score institutions.
  CAF_ADD_ATOM(receptor, receptor::actors, score_atom, "score")

CAF_END_TYPE_ID_BLOCK(receptor)

namespace receptor::actors {

/// Registers every message type of the block (and the vectors of the row
/// types, which nested containers need under their own names).
void add_message_types(caf::actor_system_config& cfg);

} // namespace receptor::actors
