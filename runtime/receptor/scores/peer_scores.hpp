#pragma once

#include <string>
#include <vector>

#include "receptor/checks/check_config.hpp"
#include "receptor/scores/institution_features.hpp"
#include "receptor/scores/person_features.hpp"
#include "receptor/stats/peer_model.hpp"

namespace receptor::scores {

/// The peer group a row is compared within when its own group is too small.
inline const std::string everyone = "all";

/// What the AGGREGATOR computes from every shard's rows: one model per peer
/// group with at least `scores.min_group_size` members, and one over
/// everyone for the members of smaller groups. Sorted by group name.
std::vector<stats::peer_model> fit_person_models(const std::vector<person_month>& rows,
                                                 const checks::check_config& config);

/// A scored row.
struct scored {
  double score = 0;          ///< Mahalanobis distance on robust z values; finite
  std::string peer_group;    ///< the group whose model scored it
  std::string top_features;  ///< "name=z; name=z"
};

/// Scores rows against the models (their group's, else everyone's).
std::vector<scored> score_people(const std::vector<person_month>& rows, const std::vector<stats::peer_model>& models,
                                 const checks::check_config& config);

/// ANOMALOUS_PERSON for a row at or above the threshold.
match::finding anomalous_person(const person_month& row, const scored& s);

/// An institution-month with its features and score.
struct institution_score {
  institution_month totals;
  std::vector<double> features;
  scored result;
};

/// Fits and scores every institution-month (institutions are few: the
/// AGGREGATOR does it alone) and appends ANOMALOUS_INSTITUTION findings.
std::vector<institution_score> score_institutions(const std::vector<institution_month>& merged,
                                                  const checks::check_config& config,
                                                  std::vector<match::finding>& findings);

} // namespace receptor::scores
