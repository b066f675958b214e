#include "receptor/actors/actors.hpp"

namespace receptor::actors {

caf::behavior aggregator(caf::event_based_actor*, check_setup setup) {
  return {
    [=](fit_atom, person_feature_set& set) -> peer_model_set {
      return {scores::fit_person_models(set.rows, *setup.config)};
    },
    [=](score_atom, institution_set& set) -> institution_scores {
      institution_scores out;
      out.rows = scores::score_institutions(scores::merge_partials(std::move(set.rows)), *setup.config, out.findings);
      return out;
    },
  };
}

} // namespace receptor::actors
