#pragma once

#include <cstdint>
#include <vector>

namespace receptor::stats {

/// Area under the ROC curve of `scores` for the labels `positive` (higher
/// score = more likely positive): the probability that a random positive
/// outscores a random negative, ties counting half (Mann–Whitney U / (P·N)).
/// Exact (integer rank sums). NaN scores rank below every number. Without a
/// positive or without a negative the AUC is undefined: returns 0.5.
/// @pre scores.size() == positive.size(); throws std::invalid_argument otherwise.
double roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive);

/// The rank of each score, 1 = highest; equal scores rank by index (the
/// earlier first), NaN after every number. A permutation of 1..n.
std::vector<uint64_t> ranks_descending(const std::vector<double>& scores);

} // namespace receptor::stats
