#include "receptor/actors/actors.hpp"

namespace receptor::actors {

caf::behavior shard(caf::stateful_actor<shard_state>* self) {
  return {
    [=](ticket_batch& batch) { self->state.book.add_tickets(std::move(batch.rows)); },
    [=](recipient_batch& batch) { self->state.book.add_recipients(std::move(batch.rows)); },
    [=](office_list& list) { self->state.book.offices_with_tickets(std::move(list.offices)); },
    [=](claim_batch& batch) -> uint64_t {
      auto n = batch.claims.size();
      self->state.book.add_claims(std::move(batch.claims));
      return n;
    },
    [=](match_atom, uint32_t as_of_month) -> shard_result { return {self->state.book.match(as_of_month)}; },
  };
}

} // namespace receptor::actors
