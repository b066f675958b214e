#include "receptor/actors/actors.hpp"

#include <unordered_set>

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
    [=](match_atom, match_request& request) -> shard_result {
      if (request.everyone)
        return {self->state.book.match(request.as_of_month)};
      std::unordered_set<std::string> only(request.touched.begin(), request.touched.end());
      return {self->state.book.match(request.as_of_month, &only)};
    },
  };
}

} // namespace receptor::actors
