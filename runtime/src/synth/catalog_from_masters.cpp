#include "receptor/synth/catalog.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "receptor/master/master_set.hpp"
#include "receptor/synth/random.hpp"

// Kept apart from catalog.cpp so that the built-in catalog links without the master reader.

namespace receptor::synth {

namespace {

constexpr uint32_t not_abolished = 99999999;

bool current(uint32_t abolished_on) { return abolished_on == 0 || abolished_on >= not_abolished; }

int32_t round_points(double points) { return static_cast<int32_t>(std::lround(points)); }

// Picks up to `n` codes from `codes` (sorted first: the master's maps have no
// stable order) with a seeded partial shuffle.
template <class Code>
std::vector<Code> sample(std::vector<Code> codes, size_t n, rng& random) {
  std::sort(codes.begin(), codes.end());
  n = std::min(n, codes.size());
  for (size_t i = 0; i < n; ++i)
    std::swap(codes[i], codes[i + random.below(codes.size() - i)]);
  codes.resize(n);
  std::sort(codes.begin(), codes.end());
  return codes;
}

void refresh(procedure_item& item, const master::master_set& masters) {
  const auto* p = masters.find_procedure(item.code);
  if (p == nullptr || !current(p->abolished_on) || p->point_kind != 3)
    return;
  item.points = round_points(p->points);
  item.name = p->name;
}

// Whole units (tablets, capsules, sachets, sheets) take integer doses.
bool countable_unit(const std::string& unit) {
  static const char* const units[] = {"錠", "カプセル", "包", "枚", "丸", "個", "管", "瓶", "袋", "キット", "筒"};
  for (const char* u : units)
    if (unit == u)
      return true;
  return false;
}

uint32_t typical_dose(const master::drug& d, bool countable) {
  if (d.dosage_form == 6)
    return countable ? 14000 : 20000;
  if (d.dosage_form == 4)
    return 1000;
  return countable ? 1000 : 1500;
}

} // namespace

catalog catalog_from_masters(const master::master_set& masters, uint64_t seed) {
  catalog c = builtin_catalog();
  rng random{derive_seed(seed, 0x6361746c67)}; // "catlg"

  for (auto* item : {&c.first_visit, &c.revisit, &c.hospital_revisit, &c.outpatient_management,
                     &c.statement_bonus, &c.disease_management, &c.drug_information, &c.home_visit,
                     &c.dispensing_oral, &c.dispensing_topical, &c.prescribing, &c.prescription,
                     &c.generic_name_bonus, &c.inpatient_dispensing, &c.inpatient_dispensing_base,
                     &c.injection_im, &c.injection_iv, &c.drip, &c.blood_draw, &c.chemistry_judgement,
                     &c.hematology_judgement, &c.long_term_ward, &c.psychiatric_ward, &c.psychotherapy,
                     &c.psychiatric_support, &c.psychiatric_day_care, &c.occupational_therapy,
                     &c.oxygen_inhalation, &c.dialysis})
    refresh(*item, masters);
  // The built-in drugs' flags as the master has them: the checks read the master.
  for (auto* pool : {&c.oral_drugs, &c.pain_relief, &c.topical_drugs, &c.injection_drugs})
    for (auto& item : *pool)
      if (const auto* d = masters.find_drug(item.code)) {
        item.psychotropic = d->psychotropic();
        item.narcotic = d->narcotic_class == 1;
        item.generic = d->generic;
        item.has_generic = !d->generic && !d->generic_name_code.empty() && masters.has_generic(d->generic_name_code);
      }
  for (auto* set : {&c.acute_ward_days_1_14, &c.acute_ward_days_15_30, &c.acute_ward_days_31})
    for (auto& item : set->items)
      refresh(item, masters);
  for (auto* pool : {&c.chemistry_items, &c.admission_bonuses, &c.single_tests, &c.treatments, &c.surgeries,
                     &c.rehabilitation})
    for (auto& item : *pool)
      refresh(item, masters);

  // Procedures by 診療識別, read from the code (1 + 区分 digits), within
  // point ranges a 生保 patient plausibly meets in one month.
  struct procedure_pool {
    uint32_t prefix;          // code / 1000000
    uint8_t shikibetsu;
    int32_t min_points, max_points;
    size_t count;
    std::vector<procedure_item>* into;
  };
  const procedure_pool pools[] = {
    {160, 60, 10, 600, 400, &c.single_tests},
    {140, 40, 12, 300, 150, &c.treatments}, // also leaves out 酸素吸入, a named role
    {150, 50, 500, 25000, 250, &c.surgeries},
    {180, 80, 50, 300, 80, &c.rehabilitation},
  };
  for (const auto& pool : pools) {
    std::unordered_set<uint32_t> known;
    for (const auto& item : *pool.into)
      known.insert(item.code);
    std::vector<uint32_t> codes;
    for (const auto& [code, p] : masters.procedures())
      if (code / 1000000 == pool.prefix && p.point_kind == 3 && current(p.abolished_on)
          && p.points >= pool.min_points && p.points <= pool.max_points && known.count(code) == 0
          && code != c.oxygen_inhalation.code)
        codes.push_back(code);
    for (uint32_t code : sample(std::move(codes), pool.count, random)) {
      const auto& p = *masters.find_procedure(code);
      pool.into->push_back(procedure_item{code, round_points(p.points), pool.shikibetsu, p.name});
    }
  }

  // Drugs: every current psychotropic, then a sample of the rest per 剤形.
  std::unordered_set<uint32_t> known_drugs;
  for (const auto* pool : {&c.oral_drugs, &c.topical_drugs, &c.injection_drugs})
    for (const auto& d : *pool)
      known_drugs.insert(d.code);
  std::vector<uint32_t> oral, topical, injection, psycho;
  for (const auto& [code, d] : masters.drugs()) {
    if (!current(d.abolished_on) || d.price <= 0 || known_drugs.count(code) != 0)
      continue;
    if (d.dosage_form == 1)
      (d.psychotropic() ? psycho : oral).push_back(code);
    else if (d.dosage_form == 6)
      topical.push_back(code);
    else if (d.dosage_form == 4 && d.price < 20000)
      injection.push_back(code);
  }
  auto add_drugs = [&](std::vector<uint32_t> codes, size_t n, std::vector<drug_item>& into) {
    for (uint32_t code : sample(std::move(codes), n, random)) {
      const auto& d = *masters.find_drug(code);
      drug_item item;
      item.code = code;
      item.price = static_cast<uint32_t>(std::llround(d.price * 100));
      item.countable = countable_unit(d.unit);
      item.dose = typical_dose(d, item.countable);
      item.psychotropic = d.psychotropic();
      item.narcotic = d.narcotic_class == 1;
      item.generic = d.generic;
      item.has_generic = !d.generic && !d.generic_name_code.empty() && masters.has_generic(d.generic_name_code);
      item.form = static_cast<dosage_form>(d.dosage_form);
      item.name = d.name;
      into.push_back(std::move(item));
    }
  };
  add_drugs(std::move(psycho), 400, c.oral_drugs);
  add_drugs(std::move(oral), 1500, c.oral_drugs);
  add_drugs(std::move(topical), 300, c.topical_drugs);
  add_drugs(std::move(injection), 300, c.injection_drugs);

  // Materials counted in whole pieces (no 単位コード), cheap enough for routine care.
  std::vector<uint32_t> materials;
  for (const auto& [code, m] : masters.materials())
    if (current(m.abolished_on) && m.unit.empty() && m.price >= 10 && m.price <= 5000)
      materials.push_back(code);
  for (uint32_t code : sample(std::move(materials), 150, random)) {
    const auto& m = *masters.find_material(code);
    c.materials.push_back(
      material_item{code, static_cast<uint32_t>(std::llround(m.price * 100)), 1000, 0, m.name});
  }

  // Diseases: drop built-in codes the master no longer has, add a long tail.
  c.diseases.erase(std::remove_if(c.diseases.begin(), c.diseases.end(),
                                  [&](const disease_item& d) {
                                    const auto* m = masters.find_disease(d.code);
                                    return m == nullptr || !current(m->abolished_on);
                                  }),
                   c.diseases.end());
  std::unordered_set<uint32_t> known_diseases;
  for (const auto& d : c.diseases)
    known_diseases.insert(d.code);
  std::vector<uint32_t> diseases;
  for (const auto& [code, d] : masters.diseases())
    if (current(d.abolished_on) && code != 999 && known_diseases.count(code) == 0)
      diseases.push_back(code);
  for (uint32_t code : sample(std::move(diseases), 1500, random)) {
    const auto& d = *masters.find_disease(code);
    c.diseases.push_back(disease_item{code, d.name, d.icd10, false, false, false, 1});
  }
  return c;
}

} // namespace receptor::synth
