#pragma once

// Messages between the actors: batches of plain structs with inspect().
// Doubles travel as their bit patterns, so NaN and infinity survive CAF
// 0.17's binary format (actor-framework#1107, fixed only in 0.18).

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "receptor/match/person_book.hpp"
#include "receptor/scores/peer_scores.hpp"
#include "receptor/store/run_results.hpp"

namespace receptor::actors {

/// Receipts routed to one shard.
struct claim_batch {
  std::vector<match::claim> claims;
};

/// Tickets of the people a shard owns.
struct ticket_batch {
  std::vector<match::ticket_row> rows;
};

/// Protection periods of the people a shard owns.
struct recipient_batch {
  std::vector<match::recipient_row> rows;
};

/// Other schemes (他法) of the people a shard owns.
struct scheme_batch {
  std::vector<match::scheme_row> rows;
};

/// Offices that delivered tickets (NO_TICKET_FEED for the others).
struct office_list {
  std::vector<std::string> offices;
};

/// Which people a SHARD matches: everyone, or only those a new delivery
/// touched (keys of match::person_key); the others keep their outcome.
struct match_request {
  uint32_t as_of_month = 0;
  bool everyone = true;
  std::vector<std::string> touched;
};

/// What one READER did with one file.
struct file_done {
  uint32_t file = 0;
  store::input_file input;
  std::vector<store::quarantine_entry> quarantine;
  uint32_t max_month = 0; ///< latest 診療年月 of its receipts
  std::vector<std::string> people; ///< match::person_key of its receipts (store mode)
  std::string error;      ///< the file could not be read at all
};

/// Everything one SHARD decided: statuses and findings, the features of
/// its person-months (for the AGGREGATOR; the SHARD keeps them to score),
/// and its partial sums per institution-month.
struct shard_result {
  match::match_results results;
  std::vector<scores::person_month> features;
  std::vector<scores::institution_month> institutions;
  /// The most messages the SHARD's mailbox held while claims arrived: what
  /// the READERs' windows bound.
  uint64_t peak_mailbox = 0;
};

/// Every shard's person-month features, for the AGGREGATOR to fit peer models.
struct person_feature_set {
  std::vector<scores::person_month> rows;
};

/// The peer models the AGGREGATOR fitted, sent back to every SHARD.
struct peer_model_set {
  std::vector<stats::peer_model> models;
};

/// A SHARD's scored person-months and its ANOMALOUS_PERSON findings.
struct person_scores {
  std::vector<scores::person_month> rows;
  std::vector<scores::scored> scores;  ///< same order as rows
  std::vector<match::finding> findings;
};

/// Every shard's institution partials, for the AGGREGATOR to add and score.
struct institution_set {
  std::vector<scores::institution_month> rows;
};

/// Scored institution-months and their ANOMALOUS_INSTITUTION findings.
struct institution_scores {
  std::vector<scores::institution_score> rows;
  std::vector<match::finding> findings;
};

/// What the WRITER is asked to write.
struct write_request {
  std::string path;
  store::run_output output;
};

} // namespace receptor::actors

namespace receptor::match {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drug_line& x) {
  return f(caf::meta::type_name("drug_line"), x.code, x.shikibetsu, x.days, x.quantity);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim& x) {
  return f(caf::meta::type_name("claim"), x.receipt_key, x.source_file, x.source_line, x.kind, x.care,
           x.receipt_type, x.law_no, x.office_no, x.recipient_no, x.office_no_valid, x.recipient_no_valid, x.month,
           x.institution, x.care_days, x.days, x.points, x.copay, x.name, x.name_key, x.birth_date, x.sex,
           x.search_no, x.insured, x.insurance_excluded, x.person_id, x.identified, x.admission_date, x.prescriber,
           x.other_laws, x.diseases, x.procedures, x.drugs, x.group_points);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scheme_row& x) {
  return f(caf::meta::type_name("scheme_row"), x.office_no, x.person_id, x.law_no, x.valid_from, x.valid_to);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ticket_row& x) {
  return f(caf::meta::type_name("ticket_row"), x.ticket_id, x.office_no, x.recipient_no, x.person_id, x.month,
           x.care, x.institution, x.valid_from, x.valid_to, x.copay, x.with_insurance, x.in_force, x.cancelled);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recipient_row& x) {
  return f(caf::meta::type_name("recipient_row"), x.office_no, x.person_id, x.name_key, x.birth_date, x.sex,
           x.protected_from, x.protected_to);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, finding& x) {
  // The double goes over the wire as its bits (see the note at the top).
  uint64_t bits = 0;
  std::memcpy(&bits, &x.value, sizeof bits);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    std::memcpy(&x.value, &bits, sizeof bits);
    return caf::none;
  });
  return f(caf::meta::type_name("finding"), x.finding_id, x.code, x.severity, x.office_no, x.person_id,
           x.recipient_no, x.month, x.institution, x.receipt_key, x.ticket_id, bits, x.detail, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, receipt_match& x) {
  return f(caf::meta::type_name("receipt_match"), x.receipt_key, x.source_file, x.source_line, x.result,
           x.ticket_id, x.person_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ticket_use& x) {
  return f(caf::meta::type_name("ticket_use"), x.ticket_id, x.use_status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, match_results& x) {
  return f(caf::meta::type_name("match_results"), x.receipts, x.tickets, x.findings, x.claims, x.kept,
           x.ticket_rows);
}

} // namespace receptor::match

namespace receptor::actors::detail {

/// Doubles as their bit patterns, for the wire (see the note at the top).
inline std::vector<uint64_t> to_bits(const std::vector<double>& xs) {
  std::vector<uint64_t> out(xs.size());
  if (!xs.empty())
    std::memcpy(out.data(), xs.data(), xs.size() * sizeof(double));
  return out;
}

inline std::vector<double> from_bits(const std::vector<uint64_t>& xs) {
  std::vector<double> out(xs.size());
  if (!xs.empty())
    std::memcpy(out.data(), xs.data(), xs.size() * sizeof(double));
  return out;
}

inline uint64_t to_bits(double x) {
  uint64_t b = 0;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

inline double from_bits(uint64_t b) {
  double x = 0;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

} // namespace receptor::actors::detail

namespace receptor::stats {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, robust_scale& x) {
  auto median = actors::detail::to_bits(x.median), scale = actors::detail::to_bits(x.scale);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.median = actors::detail::from_bits(median);
    x.scale = actors::detail::from_bits(scale);
    return caf::none;
  });
  return f(caf::meta::type_name("robust_scale"), median, scale, x.method, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_model& x) {
  auto covariance = actors::detail::to_bits(x.covariance);
  auto shrinkage = actors::detail::to_bits(x.shrinkage);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.covariance = actors::detail::from_bits(covariance);
    x.shrinkage = actors::detail::from_bits(shrinkage);
    return caf::none;
  });
  return f(caf::meta::type_name("peer_model"), x.peer_group, x.members, x.features, covariance, shrinkage, restore);
}

} // namespace receptor::stats

namespace receptor::scores {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, person_month& x) {
  auto features = actors::detail::to_bits(x.features);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.features = actors::detail::from_bits(features);
    return caf::none;
  });
  return f(caf::meta::type_name("person_month"), x.office_no, x.person_id, x.month, x.peer_group, features, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, institution_month& x) {
  return f(caf::meta::type_name("institution_month"), x.institution, x.month, x.kind, x.receipts, x.inpatient_receipts,
           x.patients, x.frequent_patients, x.psychotropic_patients, x.points, x.days, x.drug_lines, x.brand_lines);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scored& x) {
  auto score = actors::detail::to_bits(x.score);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.score = actors::detail::from_bits(score);
    return caf::none;
  });
  return f(caf::meta::type_name("scored"), score, x.peer_group, x.top_features, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, institution_score& x) {
  auto features = actors::detail::to_bits(x.features);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.features = actors::detail::from_bits(features);
    return caf::none;
  });
  return f(caf::meta::type_name("institution_score"), x.totals, features, x.result, restore);
}

} // namespace receptor::scores

namespace receptor::store {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, input_file& x) {
  return f(caf::meta::type_name("input_file"), x.path, x.role, x.bytes, x.sha256, x.format, x.receipts, x.lines);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quarantine_entry& x) {
  return f(caf::meta::type_name("quarantine_entry"), x.source_file, x.source_line, x.reason, x.raw);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_output& x) {
  return f(caf::meta::type_name("run_output"), x.inputs, x.claims, x.receipts, x.order, x.tickets, x.ticket_uses,
           x.findings, x.quarantine, x.config_json);
}

} // namespace receptor::store

namespace receptor::actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim_batch& x) {
  return f(caf::meta::type_name("claim_batch"), x.claims);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ticket_batch& x) {
  return f(caf::meta::type_name("ticket_batch"), x.rows);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recipient_batch& x) {
  return f(caf::meta::type_name("recipient_batch"), x.rows);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scheme_batch& x) {
  return f(caf::meta::type_name("scheme_batch"), x.rows);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, person_feature_set& x) {
  return f(caf::meta::type_name("person_feature_set"), x.rows);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_model_set& x) {
  return f(caf::meta::type_name("peer_model_set"), x.models);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, person_scores& x) {
  return f(caf::meta::type_name("person_scores"), x.rows, x.scores, x.findings);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, institution_set& x) {
  return f(caf::meta::type_name("institution_set"), x.rows);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, institution_scores& x) {
  return f(caf::meta::type_name("institution_scores"), x.rows, x.findings);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, office_list& x) {
  return f(caf::meta::type_name("office_list"), x.offices);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_done& x) {
  return f(caf::meta::type_name("file_done"), x.file, x.input, x.quarantine, x.max_month, x.people, x.error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, match_request& x) {
  return f(caf::meta::type_name("match_request"), x.as_of_month, x.everyone, x.touched);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_result& x) {
  return f(caf::meta::type_name("shard_result"), x.results, x.features, x.institutions, x.peak_mailbox);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_request& x) {
  return f(caf::meta::type_name("write_request"), x.path, x.output);
}

} // namespace receptor::actors
