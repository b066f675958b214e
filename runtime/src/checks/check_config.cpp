#include "receptor/checks/check_config.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "receptor/uke/summary.hpp"
#include "uke/fields.hpp"

namespace receptor::checks {

namespace {

// 療担規則及び薬担規則並びに療担基準に基づき厚生労働大臣が定める掲示事項等 第10
// (oral limits; spec/welfare-domain.md §9). Ingredients as the 医薬品マスター's
// 一般名 writes them.
const std::map<std::string, uint32_t>& legal_limits() {
  static const std::map<std::string, uint32_t> limits = {
    {"アルプラゾラム", 30}, {"エスタゾラム", 30}, {"エチゾラム", 30}, {"オキサゾラム", 30},
    {"クアゼパム", 30}, {"クロキサゾラム", 30}, {"クロチアゼパム", 30}, {"クロルジアゼポキシド", 30},
    {"ゾピクロン", 30}, {"ゾルピデム", 30}, {"トリアゾラム", 30}, {"ニメタゼパム", 30},
    {"ハロキサゾラム", 30}, {"プラゼパム", 30}, {"フルジアゼパム", 30}, {"フルニトラゼパム", 30},
    {"フルラゼパム", 30}, {"ブロチゾラム", 30}, {"ブロマゼパム", 30}, {"ペモリン", 30},
    {"メダゼパム", 30}, {"メチルフェニデート", 30}, {"モダフィニル", 30}, {"ロフラゼプ酸エチル", 30},
    {"ロラゼパム", 30}, {"ロルメタゼパム", 30}, {"オキシコドン", 30}, {"コデイン", 30},
    {"ジヒドロコデイン", 30}, {"モルヒネ", 30},
    {"ジアゼパム", 90}, {"ニトラゼパム", 90}, {"フェノバルビタール", 90}, {"クロナゼパム", 90},
    {"クロバザム", 90},
  };
  return limits;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A whole number as the レセ電 reader reads one: 1 to 9 digits, leading
// zeros allowed (a config value keeps no bytes, so they are harmless here).
bool parse_count(std::string_view text, uint32_t& out) {
  const auto read = uke::detail::parse_uint(text, out);
  return read == uke::detail::number::ok || read == uke::detail::number::noncanonical;
}

bool parse_real(std::string_view text, double& out) {
  std::string s{text};
  if (s.empty())
    return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v))
    return false;
  out = v;
  return true;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    if (!item.empty())
      out.emplace_back(item);
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string json_list(const std::vector<std::string>& xs) {
  std::string out = "[";
  for (size_t i = 0; i < xs.size(); ++i)
    out += (i ? ",\"" : "\"") + uke::json_escape(xs[i]) + "\"";
  return out + "]";
}

std::string json_real(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

} // namespace

check_config::check_config() { long_prescription.limits = legal_limits(); }

const char* to_string(frequent_rule rule) {
  return rule == frequent_rule::mhlw2018 ? "mhlw2018" : "three_months";
}

expected<check_config> parse_check_config(std::string_view text, std::string source) {
  check_config config;
  config.source = source;
  bool limits_given = false;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    line = trim(line);
    if (line.empty())
      continue;
    auto where = source + ":" + std::to_string(line_no);
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return make_error(ec::parse_error, where + ": expected `key = value`");
    auto key = std::string{trim(line.substr(0, eq))};
    auto value = trim(line.substr(eq + 1));
    auto bad = [&](const char* what) {
      return make_error(ec::parse_error, where + ": " + key + ": " + what + ", got `" + std::string{value} + "`");
    };
    auto count = [&](uint32_t& field, uint32_t min_value = 0) -> error {
      uint32_t v = 0;
      if (!parse_count(value, v) || v < min_value)
        return bad(min_value > 0 ? "expected a whole number ≥ 1" : "expected a whole number");
      field = v;
      return {};
    };
    auto real = [&](double& field, double lo, double hi) -> error {
      double v = 0;
      if (!parse_real(value, v) || v < lo || v > hi)
        return bad("expected a number in range");
      field = v;
      return {};
    };
    error err;
    if (key == "frequent_visits.rule") {
      if (value == "mhlw2018")
        config.frequent_visits.rule = frequent_rule::mhlw2018;
      else if (value == "three_months")
        config.frequent_visits.rule = frequent_rule::three_months;
      else
        return bad("expected mhlw2018 or three_months");
    } else if (key == "frequent_visits.min_days_month") {
      err = count(config.frequent_visits.min_days_month, 1);
    } else if (key == "frequent_visits.min_days_window") {
      err = count(config.frequent_visits.min_days_window, 1);
    } else if (key == "frequent_visits.window_months") {
      err = count(config.frequent_visits.window_months, 1);
    } else if (key == "multi_institution.min_institutions") {
      err = count(config.multi_institution.min_institutions, 2);
    } else if (key == "same_day_visits.min_institutions") {
      err = count(config.same_day_visits.min_institutions, 2);
    } else if (key == "psychotropic.min_prescribers") {
      err = count(config.psychotropic.min_prescribers, 2);
    } else if (key == "polypharmacy.min_drugs") {
      err = count(config.polypharmacy.min_drugs, 1);
    } else if (key == "polypharmacy.min_days") {
      err = count(config.polypharmacy.min_days, 1);
    } else if (key == "polypharmacy.min_prescribers") {
      err = count(config.polypharmacy.min_prescribers, 1);
    } else if (key == "long_prescription.max_days") {
      err = count(config.long_prescription.max_days, 1);
    } else if (key == "long_prescription.default_psychotropic_days") {
      err = count(config.long_prescription.default_psychotropic_days, 1);
    } else if (key.rfind("long_prescription.limit.", 0) == 0) {
      auto ingredient = key.substr(std::string_view{"long_prescription.limit."}.size());
      uint32_t days = 0;
      if (ingredient.empty())
        return bad("names no ingredient");
      if (!parse_count(value, days) || days == 0)
        return bad("expected a number of days");
      if (!limits_given)
        config.long_prescription.limits.clear();
      limits_given = true;
      config.long_prescription.limits[ingredient] = days;
    } else if (key == "long_stay.min_days") {
      err = count(config.long_stay.min_days, 1);
    } else if (key == "markers.prescription_fee") {
      config.markers.prescription_fee = split_list(value);
    } else if (key == "markers.dialysis") {
      config.markers.dialysis = split_list(value);
    } else if (key == "markers.psychiatric") {
      config.markers.psychiatric = split_list(value);
    } else if (key == "scores.person_threshold") {
      err = real(config.scores.person_threshold, 0, 1e9);
    } else if (key == "scores.institution_threshold") {
      err = real(config.scores.institution_threshold, 0, 1e9);
    } else if (key == "scores.shrinkage") {
      err = real(config.scores.shrinkage, 0, 1);
    } else if (key == "scores.excess_only") {
      if (value == "true")
        config.scores.excess_only = true;
      else if (value == "false")
        config.scores.excess_only = false;
      else
        return bad("expected true or false");
    } else if (key == "scores.max_z") {
      err = real(config.scores.max_z, 1, 1e6);
    } else if (key == "scores.min_group_size") {
      err = count(config.scores.min_group_size, 2);
    } else if (key == "scores.top_features") {
      err = count(config.scores.top_features, 1);
    } else {
      return make_error(ec::parse_error, where + ": unknown key `" + key + "`");
    }
    if (err)
      return err;
  }
  return config;
}

expected<check_config> load_check_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return make_error(ec::io_error, file.string() + ": cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_check_config(text.str(), file.string());
}

std::string to_json(const check_config& c) {
  std::string limits = "{";
  for (auto& [ingredient, days] : c.long_prescription.limits)
    limits += (limits.size() > 1 ? ",\"" : "\"") + uke::json_escape(ingredient) + "\":" + std::to_string(days);
  limits += "}";
  auto& f = c.frequent_visits;
  return std::string{"{\"source\":\""} + uke::json_escape(c.source) + "\""
         + ",\"frequent_visits\":{\"rule\":\"" + to_string(f.rule) + "\",\"min_days_month\":"
         + std::to_string(f.min_days_month) + ",\"min_days_window\":" + std::to_string(f.min_days_window)
         + ",\"window_months\":" + std::to_string(f.window_months) + "}"
         + ",\"multi_institution\":{\"min_institutions\":" + std::to_string(c.multi_institution.min_institutions)
         + "},\"same_day_visits\":{\"min_institutions\":" + std::to_string(c.same_day_visits.min_institutions)
         + "},\"psychotropic\":{\"min_prescribers\":" + std::to_string(c.psychotropic.min_prescribers)
         + "},\"polypharmacy\":{\"min_drugs\":" + std::to_string(c.polypharmacy.min_drugs)
         + ",\"min_days\":" + std::to_string(c.polypharmacy.min_days)
         + ",\"min_prescribers\":" + std::to_string(c.polypharmacy.min_prescribers)
         + "},\"long_prescription\":{\"max_days\":" + std::to_string(c.long_prescription.max_days)
         + ",\"default_psychotropic_days\":" + std::to_string(c.long_prescription.default_psychotropic_days)
         + ",\"limits\":" + limits + "},\"long_stay\":{\"min_days\":" + std::to_string(c.long_stay.min_days)
         + "},\"markers\":{\"prescription_fee\":" + json_list(c.markers.prescription_fee)
         + ",\"dialysis\":" + json_list(c.markers.dialysis) + ",\"psychiatric\":" + json_list(c.markers.psychiatric)
         + "},\"scores\":{\"person_threshold\":" + json_real(c.scores.person_threshold)
         + ",\"institution_threshold\":" + json_real(c.scores.institution_threshold)
         + ",\"shrinkage\":" + json_real(c.scores.shrinkage)
         + ",\"excess_only\":" + (c.scores.excess_only ? "true" : "false")
         + ",\"max_z\":" + json_real(c.scores.max_z)
         + ",\"min_group_size\":" + std::to_string(c.scores.min_group_size)
         + ",\"top_features\":" + std::to_string(c.scores.top_features) + "}}";
}

} // namespace receptor::checks
