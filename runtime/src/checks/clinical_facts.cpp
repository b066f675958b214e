#include "receptor/checks/clinical_facts.hpp"

#include "receptor/master/master_set.hpp"

namespace receptor::checks {

namespace {

bool starts_with_any(std::string_view name, const std::vector<std::string>& prefixes) {
  for (auto& p : prefixes)
    if (!p.empty() && name.substr(0, p.size()) == p)
      return true;
  return false;
}

} // namespace

uint8_t icd10_chapter(std::string_view code) {
  if (code.size() < 3 || code[0] < 'A' || code[0] > 'Z' || code[1] < '0' || code[1] > '9' || code[2] < '0'
      || code[2] > '9')
    return 0;
  int n = (code[1] - '0') * 10 + (code[2] - '0');
  switch (code[0]) {
    case 'A': case 'B': return 1;
    case 'C': return 2;
    case 'D': return n <= 48 ? 2 : 3;
    case 'E': return 4;
    case 'F': return 5;
    case 'G': return 6;
    case 'H': return n <= 59 ? 7 : 8;
    case 'I': return 9;
    case 'J': return 10;
    case 'K': return 11;
    case 'L': return 12;
    case 'M': return 13;
    case 'N': return 14;
    case 'O': return 15;
    case 'P': return 16;
    case 'Q': return 17;
    case 'R': return 18;
    case 'S': case 'T': return 19;
    case 'V': case 'W': case 'X': case 'Y': return 20;
    case 'Z': return 21;
    case 'U': return 22;
    default: return 0;
  }
}

std::string ingredient_in(std::string_view name, const std::map<std::string, uint32_t>& limits) {
  std::string best;
  for (auto& [ingredient, days] : limits)
    if (ingredient.size() > best.size() && name.find(ingredient) != std::string_view::npos)
      best = ingredient;
  return best;
}

clinical_facts::clinical_facts(const master::master_set& masters, const check_config& config) {
  has_masters_ = true;
  auto& limits = config.long_prescription.limits;
  // Limits are set by ingredient; brand names rarely name theirs, so an
  // ingredient found in any drug's 一般名 or name carries over to every drug
  // of the same 成分 (the first 7 characters of the 薬価基準収載医薬品コード).
  // The 掲示事項 limits are for 麻薬 and 向精神薬 only: エスゾピクロン is no
  // ゾピクロン, and 1% コデイン powder is no 麻薬, though their names say so.
  std::unordered_map<std::string, uint32_t> limit_by_ingredient;
  for (auto& [code, d] : masters.drugs()) {
    if (!d.psychotropic() && d.narcotic_class != 1)
      continue;
    auto found = ingredient_in(d.generic_name, limits);
    if (found.empty())
      found = ingredient_in(d.name, limits);
    if (!found.empty() && d.price_list_code.size() >= 7)
      limit_by_ingredient[d.price_list_code.substr(0, 7)] = limits.at(found);
  }
  drugs_.reserve(masters.drugs().size());
  for (auto& [code, d] : masters.drugs()) {
    drug_facts f;
    f.name = d.name;
    f.ingredient = d.price_list_code.size() >= 7 ? d.price_list_code.substr(0, 7) : std::to_string(code);
    f.psychotropic = d.psychotropic();
    f.narcotic = d.narcotic_class == 1;
    f.generic = d.generic;
    f.oral = d.dosage_form == 1;
    f.brand_with_generic = !d.generic && !d.generic_name_code.empty() && masters.has_generic(d.generic_name_code);
    if (!f.psychotropic && !f.narcotic)
      f.limit_days = 0; // long_prescription.max_days applies
    else if (auto l = limit_by_ingredient.find(f.ingredient); l != limit_by_ingredient.end())
      f.limit_days = l->second;
    else
      f.limit_days = config.long_prescription.default_psychotropic_days;
    drugs_.emplace(code, std::move(f));
  }
  chapters_.reserve(masters.diseases().size());
  for (auto& [code, d] : masters.diseases())
    if (auto chapter = checks::icd10_chapter(d.icd10))
      chapters_.emplace(code, chapter);
  for (auto& [code, p] : masters.procedures()) {
    uint8_t bits = 0;
    if (starts_with_any(p.name, config.markers.prescription_fee))
      bits |= fee_bit;
    if (starts_with_any(p.name, config.markers.dialysis))
      bits |= dialysis_bit;
    if (starts_with_any(p.name, config.markers.psychiatric))
      bits |= psychiatric_bit;
    if (bits)
      markers_.emplace(code, std::make_pair(bits, p.name));
  }
}

const drug_facts* clinical_facts::drug(uint32_t code) const {
  auto it = drugs_.find(code);
  return it == drugs_.end() ? nullptr : &it->second;
}

uint8_t clinical_facts::icd10_chapter(uint32_t disease_code) const {
  auto it = chapters_.find(disease_code);
  return it == chapters_.end() ? 0 : it->second;
}

uint8_t clinical_facts::marker(uint32_t procedure) const {
  auto it = markers_.find(procedure);
  return it == markers_.end() ? 0 : it->second.first;
}

std::string clinical_facts::marker_name(uint32_t procedure) const {
  auto it = markers_.find(procedure);
  return it == markers_.end() ? std::string{} : it->second.second;
}

} // namespace receptor::checks
