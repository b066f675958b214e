#include "receptor/scores/peer_scores.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "receptor/checks/person_checks.hpp"
#include "receptor/dates.hpp"

namespace receptor::scores {

namespace {

// A feature as the statistics see it: amounts on a log scale (see
// person_feature_is_amount), negative amounts (corrections) as 0.
double scaled(double value, bool amount) { return amount ? std::log1p(std::max(value, 0.0)) : value; }

// Rows of one group as an n × p matrix.
template <class Row, class Features>
Eigen::MatrixXd matrix_of(const std::vector<const Row*>& rows, const std::vector<bool>& amount, Features features) {
  auto p = amount.size();
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(p));
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& f = features(*rows[i]);
    for (size_t j = 0; j < p; ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = scaled(f[j], amount[j]);
  }
  return m;
}

// Groups big enough get their own model; everyone gets "all".
template <class Row, class Group, class Features>
std::vector<stats::peer_model> fit_models(const std::vector<Row>& rows, const std::vector<bool>& amount,
                                          Group group_of, Features features, const checks::check_config& config) {
  std::map<std::string, std::vector<const Row*>> groups;
  std::vector<const Row*> all;
  for (auto& r : rows) {
    groups[group_of(r)].push_back(&r);
    all.push_back(&r);
  }
  std::vector<stats::peer_model> models;
  for (auto& [name, members] : groups)
    if (members.size() >= config.scores.min_group_size && name != everyone)
      models.push_back(stats::fit_peer_model(name, matrix_of(members, amount, features), config.scores.shrinkage));
  models.push_back(stats::fit_peer_model(everyone, matrix_of(all, amount, features), config.scores.shrinkage));
  std::sort(models.begin(), models.end(),
            [](const stats::peer_model& a, const stats::peer_model& b) { return a.peer_group < b.peer_group; });
  return models;
}

template <class Row, class Group, class Features>
std::vector<scored> score_rows(const std::vector<Row>& rows, const std::vector<stats::peer_model>& models,
                               const std::vector<std::string>& names, const std::vector<bool>& amount,
                               Group group_of, Features features, const checks::check_config& config) {
  std::map<std::string, stats::peer_scorer> scorers;
  for (auto& m : models)
    scorers.emplace(m.peer_group, stats::peer_scorer{m});
  std::vector<scored> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    auto it = scorers.find(group_of(r));
    if (it == scorers.end())
      it = scorers.find(everyone);
    scored s;
    if (it == scorers.end()) {
      out.push_back(s); // no model at all: nothing to compare with
      continue;
    }
    auto& f = features(r);
    Eigen::VectorXd x(static_cast<Eigen::Index>(f.size()));
    for (size_t j = 0; j < f.size(); ++j)
      x(static_cast<Eigen::Index>(j)) = scaled(f[j], j < amount.size() && amount[j]);
    stats::score_options options;
    options.excess_only = config.scores.excess_only;
    options.max_z = config.scores.max_z;
    auto result = it->second.score(x, config.scores.top_features, options);
    s.score = result.score;
    s.peer_group = it->first;
    s.top_features = stats::describe_top(result, names);
    out.push_back(std::move(s));
  }
  return out;
}

std::string score_text(double score) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", score);
  return buf;
}

} // namespace

std::vector<stats::peer_model> fit_person_models(const std::vector<person_month>& rows,
                                                 const checks::check_config& config) {
  return fit_models(
    rows, person_feature_is_amount(), [](const person_month& r) -> const std::string& { return r.peer_group; },
    [](const person_month& r) -> const std::vector<double>& { return r.features; }, config);
}

std::vector<scored> score_people(const std::vector<person_month>& rows, const std::vector<stats::peer_model>& models,
                                 const checks::check_config& config) {
  return score_rows(
    rows, models, person_feature_names(), person_feature_is_amount(), [](const person_month& r) -> const std::string& { return r.peer_group; },
    [](const person_month& r) -> const std::vector<double>& { return r.features; }, config);
}

match::finding anomalous_person(const person_month& row, const scored& s) {
  match::finding f;
  f.code = "ANOMALOUS_PERSON";
  f.severity = checks::severity_of(f.code);
  f.office_no = row.office_no;
  f.person_id = row.person_id;
  f.month = row.month;
  f.finding_id = match::make_finding_id(f.code, row.office_no + "|" + row.person_id + "|" + std::to_string(row.month));
  f.value = s.score;
  f.detail = "受診パターンが同じ群 (" + s.peer_group + ") から外れている: スコア " + score_text(s.score) + "; "
             + s.top_features;
  return f;
}

std::vector<institution_score> score_institutions(const std::vector<institution_month>& merged,
                                                  const checks::check_config& config,
                                                  std::vector<match::finding>& findings) {
  std::vector<institution_score> rows;
  rows.reserve(merged.size());
  for (auto& m : merged)
    rows.push_back({m, institution_features(m), {}});
  auto group = [](const institution_score& r) { return institution_peer_group(r.totals); };
  auto features = [](const institution_score& r) -> const std::vector<double>& { return r.features; };
  auto& amount = institution_feature_is_amount();
  auto models = fit_models(rows, amount, group, features, config);
  auto results = score_rows(rows, models, institution_feature_names(), amount, group, features, config);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].result = std::move(results[i]);
    auto& r = rows[i];
    if (r.result.score < config.scores.institution_threshold)
      continue;
    match::finding f;
    f.code = "ANOMALOUS_INSTITUTION";
    f.severity = checks::severity_of(f.code);
    f.month = r.totals.month;
    f.institution = r.totals.institution;
    f.finding_id = match::make_finding_id(f.code, r.totals.institution + "|" + std::to_string(r.totals.month));
    f.value = r.result.score;
    f.detail = "請求傾向が同じ群 (" + r.result.peer_group + ") の医療機関から外れている: スコア "
               + score_text(r.result.score) + "; " + r.result.top_features + "; " + std::to_string(r.totals.receipts)
               + " 件, " + std::to_string(r.totals.patients) + " 人";
    findings.push_back(std::move(f));
  }
  return rows;
}

} // namespace receptor::scores
