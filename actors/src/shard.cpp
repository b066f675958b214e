#include "receptor/actors/actors.hpp"

#include <algorithm>
#include <unordered_set>

#include "receptor/checks/person_checks.hpp"

namespace receptor::actors {

caf::behavior shard(caf::stateful_actor<shard_state>* self, check_setup setup) {
  self->state.setup = std::move(setup);
  return {
    [=](ticket_batch& batch) { self->state.book.add_tickets(std::move(batch.rows)); },
    [=](recipient_batch& batch) { self->state.book.add_recipients(std::move(batch.rows)); },
    [=](scheme_batch& batch) { self->state.book.add_schemes(std::move(batch.rows)); },
    [=](office_list& list) { self->state.book.offices_with_tickets(std::move(list.offices)); },
    [=](claim_batch& batch) -> uint64_t {
      // This batch and whatever waits behind it.
      self->state.peak_mailbox = std::max<uint64_t>(self->state.peak_mailbox, 1 + self->mailbox().size());
      auto n = batch.claims.size();
      self->state.book.add_claims(std::move(batch.claims));
      return n;
    },
    [=](match_atom, match_request& request) -> shard_result {
      auto& st = self->state;
      shard_result out;
      out.peak_mailbox = st.peak_mailbox;
      // The checks and features read every person the shard holds, touched
      // or not: they are cheap next to reading, and a store-mode night then
      // equals a full run by construction. They run first, so that matching
      // can then hand the book's claims over instead of copying them.
      auto people = checks::people_of(st.book);
      checks::check_context context{*st.setup.config, *st.setup.facts, request.as_of_month};
      std::vector<match::finding> checked;
      for (auto& p : people)
        checks::check_person(p, context, checked);
      out.institutions = scores::institution_partials(st.book, checked, *st.setup.facts);
      st.features = scores::person_features(people, *st.setup.facts);
      out.features = st.features;
      people.clear(); // it points into the claims about to move
      if (request.everyone) {
        out.results = std::move(st.book).match(request.as_of_month);
      } else {
        std::unordered_set<std::string> only(request.touched.begin(), request.touched.end());
        out.results = std::move(st.book).match(request.as_of_month, &only);
      }
      auto& findings = out.results.findings;
      // Unsorted: the ENGINE puts every shard's findings in one order.
      findings.insert(findings.end(), std::make_move_iterator(checked.begin()), std::make_move_iterator(checked.end()));
      return out;
    },
    [=](score_atom, peer_model_set& models) -> person_scores {
      auto& st = self->state;
      person_scores out;
      out.scores = scores::score_people(st.features, models.models, *st.setup.config);
      for (size_t i = 0; i < st.features.size(); ++i)
        if (out.scores[i].score >= st.setup.config->scores.person_threshold)
          out.findings.push_back(scores::anomalous_person(st.features[i], out.scores[i]));
      out.rows = std::move(st.features);
      st.features.clear();
      return out;
    },
  };
}

} // namespace receptor::actors
