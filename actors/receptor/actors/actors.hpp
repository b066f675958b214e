#pragma once

// The actors of a run and their factories. Include only where actors are
// spawned: it pulls in CAF.

#include <caf/all.hpp>

#include <memory>
#include <vector>

#include "receptor/actors/type_ids.hpp"
#include "receptor/checks/check_config.hpp"
#include "receptor/checks/clinical_facts.hpp"
#include "receptor/feed/office_feed.hpp"
#include "receptor/match/person_book.hpp"

namespace receptor::actors {

/// What every SHARD and the AGGREGATOR read: the thresholds and the masters
/// as the checks ask them. Shared read-only for the length of a run.
struct check_setup {
  std::shared_ptr<const checks::check_config> config;
  std::shared_ptr<const checks::clinical_facts> facts;
};

/// A SHARD owns the receipts, tickets, protection periods and other schemes
/// of a slice of people; it matches and checks them on request, and scores
/// their person-months against the peer models the AGGREGATOR sends back.
struct shard_state {
  match::person_book book;
  check_setup setup;
  std::vector<scores::person_month> features; ///< from the last match, until scored
  uint64_t peak_mailbox = 0;                  ///< most messages waiting while claims arrived
  static inline const char* name = "shard";
};

/// Handles: ticket_batch, recipient_batch, scheme_batch, office_list (setup);
/// claim_batch → number of claims taken (the READER's window moves on it);
/// (match_atom, match_request) → shard_result;
/// (score_atom, peer_model_set) → person_scores.
caf::behavior shard(caf::stateful_actor<shard_state>* self, check_setup setup);

/// The AGGREGATOR: sees every shard's per-group values, so peer statistics
/// are exact whatever the sharding. Handles (fit_atom, person_feature_set) →
/// peer_model_set and (score_atom, institution_set) → institution_scores.
caf::behavior aggregator(caf::event_based_actor* self, check_setup setup);

/// A READER parses one file at a time, finds the person behind each receipt
/// and routes batches to the SHARDs, at most `window` batches in flight.
struct reader_delivery;

struct reader_state {
  std::vector<caf::actor> shards;
  std::shared_ptr<const feed::office_feed> feed;
  size_t batch_size = 2048;
  size_t window = 8;
  bool list_people = false; ///< fill file_done::people (store mode: who a delivery touches)
  /// False while the ENGINE still loads the feed: files are parsed, and
  /// their claims parked until (feed_ready_atom) says they can be identified.
  bool feed_ready = true;
  std::vector<match::claim> parked;
  /// Files (or parked claims) still being sent, oldest first, and the
  /// batches in flight over all of them: at most `window`.
  std::vector<std::shared_ptr<reader_delivery>> deliveries;
  size_t in_flight = 0;
  static inline const char* name = "reader";
};

/// Handles (read_atom, file index, path) → file_done, once every batch of
/// the file is taken by its SHARD (or, before the feed is ready, once the
/// file is parsed), and (feed_ready_atom) → number of parked claims, once
/// they are all taken.
caf::behavior reader(caf::stateful_actor<reader_state>* self, std::vector<caf::actor> shards,
                     std::shared_ptr<const feed::office_feed> feed, size_t batch_size, size_t window,
                     bool list_people, bool feed_ready);

/// The WRITER: the only owner of an HDF5 file. Spawned detached, since
/// HDF5 calls block. Handles (write_atom, write_request) → true.
caf::behavior writer(caf::event_based_actor* self);

} // namespace receptor::actors
