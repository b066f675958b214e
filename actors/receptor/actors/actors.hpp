#pragma once

// The actors of a run and their factories. Include only where actors are
// spawned: it pulls in CAF.

#include <caf/all.hpp>

#include <memory>
#include <vector>

#include "receptor/actors/type_ids.hpp"
#include "receptor/feed/office_feed.hpp"
#include "receptor/match/person_book.hpp"

namespace receptor::actors {

/// A SHARD owns the receipts, tickets and protection periods of a slice of
/// people and matches them on request.
struct shard_state {
  match::person_book book;
  static inline const char* name = "shard";
};

/// Handles: ticket_batch, recipient_batch, office_list (setup);
/// claim_batch → number of claims taken (the READER's window moves on it);
/// (match_atom, match_request) → shard_result.
caf::behavior shard(caf::stateful_actor<shard_state>* self);

/// A READER parses one file at a time, finds the person behind each receipt
/// and routes batches to the SHARDs, at most `window` batches in flight.
struct reader_state {
  std::vector<caf::actor> shards;
  std::shared_ptr<const feed::office_feed> feed;
  size_t batch_size = 2048;
  size_t window = 8;
  static inline const char* name = "reader";
};

/// Handles (read_atom, file index, path) → file_done, once every batch of
/// the file is taken by its SHARD.
caf::behavior reader(caf::stateful_actor<reader_state>* self, std::vector<caf::actor> shards,
                     std::shared_ptr<const feed::office_feed> feed, size_t batch_size, size_t window);

/// The WRITER: the only owner of an HDF5 file. Spawned detached, since
/// HDF5 calls block. Handles (write_atom, write_request) → true.
caf::behavior writer(caf::event_based_actor* self);

} // namespace receptor::actors
