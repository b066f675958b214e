#include "receipt.hpp"

#include <algorithm>

#include "receptor/dates.hpp"

namespace receptor::synth::detail {

namespace {

constexpr uint32_t bit(unsigned day) { return uint32_t{1} << (day - 1); }

unsigned popcount(uint32_t mask) {
  unsigned n = 0;
  for (; mask != 0; mask &= mask - 1)
    ++n;
  return n;
}

unsigned lowest_day(uint32_t mask) {
  unsigned day = 1;
  while ((mask & 1) == 0) {
    mask >>= 1;
    ++day;
  }
  return day;
}

// Days 1..last as a mask.
constexpr uint32_t days_up_to(unsigned last) { return last >= 32 ? ~uint32_t{0} : (uint32_t{1} << last) - 1; }

day_counts spread(uint32_t mask, uint16_t value) {
  day_counts d{};
  for (unsigned i = 0; i < 31; ++i)
    if ((mask >> i) & 1)
      d[i] = value;
  return d;
}

day_counts one_day(unsigned day, uint16_t value) {
  day_counts d{};
  d[day - 1] = value;
  return d;
}

uint16_t total(const day_counts& d) {
  unsigned sum = 0;
  for (auto v : d)
    sum += v;
  return static_cast<uint16_t>(sum);
}

uint32_t mask_of(const day_counts& d) {
  uint32_t mask = 0;
  for (unsigned i = 0; i < 31; ++i)
    mask |= static_cast<uint32_t>(d[i] != 0) << i;
  return mask;
}

// 薬剤料 of amounts worth `v` in 1/100000 yen: 15 yen or less is 1 point,
// then one more point for every started 10 yen.
int32_t price_points(uint64_t v) {
  constexpr uint64_t yen = 100000;
  if (v <= 15 * yen)
    return 1;
  return static_cast<int32_t>(1 + (v - 15 * yen + 10 * yen - 1) / (10 * yen));
}

// 特定保険医療材料: price / 10 yen, rounded half up.
int32_t material_points(uint64_t v) {
  constexpr uint64_t yen = 100000;
  return static_cast<int32_t>((v + 5 * yen) / (10 * yen));
}

uint32_t pick_weighted(const std::vector<uint32_t>& items, const std::vector<uint32_t>& cumulative, rng& random) {
  const uint64_t r = random.below(cumulative.back());
  return items[static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin())];
}

// The last `n` days of `mask`.
uint32_t last_days(uint32_t mask, unsigned n) {
  uint32_t out = 0;
  for (unsigned day = 31; day >= 1 && n > 0; --day)
    if ((mask & bit(day)) != 0) {
      out |= bit(day);
      --n;
    }
  return out;
}

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// Whether a person's chronic picture is psychiatric: stable per person.
bool psychiatric_person(const person& p) { return (derive_seed(p.traits, 1) % 100) < 30; }

} // namespace

int64_t rx_group::points() const {
  return int64_t{unit_points} * quantity + preparation->points + (bonus != nullptr ? bonus->points : 0)
         + (management != nullptr ? management->points : 0);
}

uint32_t age_at(uint32_t birth_date, uint32_t yyyymm) {
  const uint32_t ref = yyyymm * 100 + 1;
  uint32_t age = ref / 10000 - birth_date / 10000;
  if (ref % 10000 < birth_date % 10000)
    --age;
  return age;
}

receipt_builder::receipt_builder(const options& opts, const catalog& codes, const population& pop)
  : opts_(opts), codes_(codes), pop_(pop), month_days_(days_in_month(opts.month)) {
  auto add = [](std::vector<uint32_t>& items, std::vector<uint32_t>& cumulative, uint32_t index, uint32_t weight) {
    items.push_back(index);
    cumulative.push_back((cumulative.empty() ? 0 : cumulative.back()) + std::max<uint32_t>(weight, 1));
  };
  for (uint32_t i = 0; i < codes.diseases.size(); ++i) {
    const auto& d = codes.diseases[i];
    if (d.dental)
      add(dental_diseases_, dental_weights_, i, d.weight);
    else if (d.psychiatric)
      add(psychiatric_, psychiatric_weights_, i, d.weight);
    else if (d.chronic)
      add(chronic_, chronic_weights_, i, d.weight);
    else
      add(acute_, acute_weights_, i, d.weight);
  }
  // A check flags brands that have a 後発品 and long 麻薬 prescriptions: the clean background has neither.
  auto flagged = [&](const drug_item& d) { return opts.clean && (d.has_generic || d.narcotic || d.psychotropic); };
  for (const auto* pool : {&codes.pain_relief, &codes.topical_drugs, &codes.injection_drugs}) {
    auto& into = pool == &codes.pain_relief ? pain_ : pool == &codes.topical_drugs ? topical_ : injection_;
    for (const auto& d : *pool)
      if (!flagged(d))
        into.push_back(&d);
    if (into.empty())
      into.push_back(&pool->front());
  }
  for (const auto& t : codes.treatments)
    if (!opts.clean || !starts_with(t.name, "人工腎臓"))
      treatments_.push_back(&t);
  for (const auto& t : codes.rehabilitation)
    if (!opts.clean || t.name.find("精神") == std::string::npos)
      rehabilitation_.push_back(&t);
  for (const auto& d : codes.oral_drugs) {
    oral_by_code_.emplace(d.code, &d);
    if (opts.clean && d.narcotic)
      continue;
    auto& pool = d.psychotropic ? (d.has_generic ? psychotropic_brand_ : psychotropic_)
                                : (d.has_generic ? oral_brand_ : oral_);
    pool.push_back(&d);
  }
  for (const auto& p : codes.dental_procedures)
    if (p.shikibetsu != 13)
      dental_treatments_.push_back(&p);
}

const care_plan* receipt_builder::plan_of(const claim& c) const {
  return c.plan != 0 && opts_.plans != nullptr && c.plan <= opts_.plans->size() ? &(*opts_.plans)[c.plan - 1]
                                                                                 : nullptr;
}

const drug_item& receipt_builder::planned(uint32_t code) const {
  const auto at = oral_by_code_.find(code);
  return at != oral_by_code_.end() ? *at->second : codes_.oral_drugs.front();
}

const drug_item& receipt_builder::pain_killer(rng& random) const { return *pain_[random.below(pain_.size())]; }
const drug_item& receipt_builder::topical_drug(rng& random) const {
  return *topical_[random.below(topical_.size())];
}
const drug_item& receipt_builder::injection_drug(rng& random) const {
  return *injection_[random.below(injection_.size())];
}
const drug_item& receipt_builder::carrier(size_t i) const { return *injection_[i % injection_.size()]; }

void receipt_builder::build(const claim& c, uint32_t number, receipt& r) {
  rng random{c.seed};
  start(c, number, r, random);
  switch (c.kind) {
    case model::receipt_kind::dpc:
      inpatient_stay(r, random, true);
      to_dpc(r);
      break;
    case model::receipt_kind::dental:
      dental(r, random);
      break;
    case model::receipt_kind::pharmacy:
      pharmacy(r, random);
      break;
    default:
      if (c.inpatient)
        inpatient_stay(r, random, false);
      else
        medical_outpatient(r, random);
      sort_units(r);
      break;
  }
  totals(r);
}

void receipt_builder::start(const claim& c, uint32_t number, receipt& r, rng& random) {
  const person& p = pop_.people[c.person];
  r.source = &c;
  r.patient = &p;
  r.place = &pop_.institutions[c.institution];
  r.prescriber = c.kind == model::receipt_kind::pharmacy ? &pop_.institutions[c.prescriber] : nullptr;
  r.programme = &pop_.offices[p.office];
  r.insurance = p.insurance >= 0 ? &pop_.insurances[static_cast<size_t>(p.insurance)] : nullptr;
  // Other 公費 (難病, 精神通院, 更生医療) do not cover dental care.
  r.other = p.other >= 0 && c.kind != model::receipt_kind::dental ? &pop_.other_publics[static_cast<size_t>(p.other)]
                                                                   : nullptr;
  r.kind = c.kind;
  r.inpatient = c.inpatient || c.kind == model::receipt_kind::dpc;
  r.number = number;
  r.chart_no = static_cast<uint32_t>((uint64_t{c.person} * 7 + c.institution) % 99999 + 1);
  r.slots = r.insurance != nullptr ? pays_insurance | pays_first
            : r.other != nullptr   ? pays_first | pays_second
                                   : pays_first;

  const unsigned table = c.kind == model::receipt_kind::dental ? 3 : c.kind == model::receipt_kind::pharmacy ? 4 : 1;
  const unsigned in_out = r.inpatient ? 1 : 2;
  if (r.insurance == nullptr) {
    r.type = static_cast<uint16_t>(table * 1000 + 200 + r.publics() * 10 + in_out);
  } else {
    // Digit 4 for 医保 + 公費: 本人 1/2, 未就学者 3/4, 家族 5/6, 高齢受給者 7/8.
    const uint32_t age = age_at(p.birth_date, opts_.month);
    unsigned category = in_out;
    if (age < 6)
      category = in_out + 2;
    else if (age >= 70)
      category = in_out + 6;
    else if (r.insurance->dependant)
      category = in_out + 4;
    r.type = static_cast<uint16_t>(table * 1000 + 100 + (1 + r.publics()) * 10 + category);
  }

  r.points = {};
  r.days = {};
  r.meals = {};
  r.meal_yen = {};
  r.copay = {-1, -1, -1};
  // The programme's KO carries the 本人支払額 of the ticket; often written as 0 when none.
  const int programme_slot = r.other != nullptr ? 2 : 1;
  if (p.copay > 0)
    r.copay[programme_slot] = static_cast<int32_t>(p.copay);
  else if (random.chance(0.15))
    r.copay[programme_slot] = 0;
  if (r.other != nullptr && random.chance(0.3))
    r.copay[1] = 0;
  r.admission = 0;
  r.discharge = 0;
  r.stay = 0;
  r.first_visit = 0;
  r.diagnoses.clear();
  r.items.clear();
  r.group = nullptr;
  r.periods.clear();
  r.coding.clear();
  r.receptions.clear();
  r.groups.clear();
  r.drugs.clear();
}

uint8_t receipt_builder::unit_payers(const receipt& r, rng& random, bool related) const {
  // With another 公費 first, only care for its condition is billed to it ('7');
  // the rest goes to the programme alone ('6').
  if (r.other == nullptr || r.inpatient || related || random.chance(0.6))
    return r.slots;
  return pays_second;
}

item_line& receipt_builder::add(receipt& r, item_record record, uint8_t shikibetsu, uint32_t code, uint32_t quantity,
                                const day_counts& days, uint8_t payers) const {
  item_line& line = r.items.emplace_back();
  line.record = record;
  line.shikibetsu = shikibetsu;
  line.payers = payers;
  line.code = code;
  line.quantity = quantity;
  line.days = days;
  line.count = total(days);
  line.mask = mask_of(days);
  return line;
}

void receipt_builder::single(receipt& r, const procedure_item& item, const day_counts& days, uint8_t payers,
                             uint32_t quantity) const {
  add(r, item_record::si, item.shikibetsu, item.code, quantity, days, payers).points = item.points;
}

void receipt_builder::procedure_unit(receipt& r, const procedure_set& set, const day_counts& days,
                                     uint8_t payers) const {
  int32_t points = 0;
  for (const auto& item : set.items) {
    add(r, item_record::si, set.shikibetsu, item.code, 0, days, payers);
    points += item.points;
  }
  r.items.back().points = points;
}

void receipt_builder::material(receipt& r, const material_item& m, uint8_t shikibetsu, const day_counts& days,
                               uint8_t payers, int32_t extra_points) const {
  auto& to = add(r, item_record::to, shikibetsu, m.code, m.amount, days, payers);
  to.unit_code = m.unit_code;
  to.unit_price = m.price;
  to.points = extra_points + material_points(uint64_t{m.price} * m.amount);
}

void receipt_builder::comment(receipt& r, rng& random, uint8_t shikibetsu, uint8_t payers) const {
  item_line& line = r.items.emplace_back();
  line.record = item_record::co;
  line.shikibetsu = shikibetsu;
  line.payers = payers;
  const auto& c = codes_.comments[random.below(codes_.comments.size())];
  line.code = c.code;
  line.comment = static_cast<int16_t>(&c - codes_.comments.data());
}

uint32_t receipt_builder::pick_days(rng& random, unsigned n, uint32_t allowed) const {
  const unsigned available = popcount(allowed);
  if (n >= available)
    return allowed;
  uint32_t chosen = 0;
  for (unsigned k = 0; k < n; ++k) {
    // The r-th still unchosen allowed day.
    unsigned r = static_cast<unsigned>(random.below(available - k));
    for (unsigned day = 1; day <= 31; ++day) {
      if ((allowed & ~chosen & bit(day)) == 0)
        continue;
      if (r-- == 0) {
        chosen |= bit(day);
        break;
      }
    }
  }
  return chosen;
}

uint32_t receipt_builder::subset(rng& random, uint32_t days, double keep) const {
  uint32_t out = 0;
  for (unsigned day = 1; day <= 31; ++day)
    if ((days & bit(day)) != 0 && random.chance(keep))
      out |= bit(day);
  return out;
}

const drug_item& receipt_builder::oral_drug(rng& random, bool psychotropic) const {
  // Recipients are expected to take generics: brands that have one are rare.
  const bool brand = random.chance(0.08) && !opts_.clean;
  if (psychotropic) {
    const auto& pool = brand && !psychotropic_brand_.empty() ? psychotropic_brand_ : psychotropic_;
    if (!pool.empty())
      return *pool[random.below(pool.size())];
  }
  const auto& pool = brand && !oral_brand_.empty() ? oral_brand_ : oral_;
  return *pool[random.below(pool.size())];
}

const drug_item& receipt_builder::distinct_drug(rng& random, bool psychotropic, const drug_item* const* chosen,
                                               size_t n) const {
  // A 剤 lists each drug once; a few redraws find another.
  const drug_item* d = &oral_drug(random, psychotropic);
  for (int attempt = 0; attempt < 8 && std::find(chosen, chosen + n, d) != chosen + n; ++attempt)
    d = &oral_drug(random, psychotropic);
  return *d;
}

uint32_t receipt_builder::oral_amount(rng& random, const drug_item& d) const {
  return d.countable ? d.dose * static_cast<uint32_t>(random.between(1, d.psychotropic ? 1 : 3)) : d.dose;
}

int32_t receipt_builder::drug_points(const drug_item* const* drugs, const uint32_t* amounts, size_t n) const {
  uint64_t value = 0; // 1/100000 yen: price in 1/100 yen times amount in 1/1000 units
  for (size_t i = 0; i < n; ++i)
    value += uint64_t{drugs[i]->price} * amounts[i];
  return price_points(value);
}

void receipt_builder::chronic_diseases(const person& p, bool psychiatric_place, receipt& r) const {
  // Drawn from the person's traits: the same person has the same diseases everywhere.
  // Children come for acute illness; chronic diseases belong to adults.
  if (age_at(p.birth_date, opts_.month) < 15)
    return;
  rng traits{p.traits};
  const bool psychiatric = psychiatric_place || psychiatric_person(p);
  const unsigned n = 1 + static_cast<unsigned>(traits.below(3));
  for (unsigned i = 0; i < n; ++i) {
    diagnosis d;
    const uint32_t index = i == 0 && psychiatric && !psychiatric_.empty()
                             ? pick_weighted(psychiatric_, psychiatric_weights_, traits)
                             : pick_weighted(chronic_, chronic_weights_, traits);
    d.code = codes_.diseases[index].code;
    d.icd10 = &codes_.diseases[index].icd10;
    if (std::any_of(r.diagnoses.begin(), r.diagnoses.end(), [&](const diagnosis& e) { return e.code == d.code; }))
      continue;
    const uint32_t years = 1 + static_cast<uint32_t>(traits.below(10));
    d.start = (opts_.month / 100 - years) * 10000 + static_cast<uint32_t>(traits.between(1, 12)) * 100
              + static_cast<uint32_t>(traits.between(1, 28));
    d.main = r.diagnoses.empty();
    r.diagnoses.push_back(d);
  }
}

void receipt_builder::acute_disease(receipt& r, rng& random, unsigned day) const {
  if (acute_.empty())
    return;
  diagnosis d;
  const auto& disease = codes_.diseases[pick_weighted(acute_, acute_weights_, random)];
  d.code = disease.code;
  d.icd10 = &disease.icd10;
  d.start = opts_.month * 100 + day;
  d.main = r.diagnoses.empty();
  d.outcome = random.chance(0.6) ? 2 : 1;
  d.suspected = d.outcome == 1 && random.chance(0.15);
  r.diagnoses.push_back(d);
}

void receipt_builder::medical_outpatient(receipt& r, rng& random) {
  const institution& place = *r.place;
  const bool hospital = place.type == facility::hospital;
  const bool large_hospital = hospital && place.beds >= 200;
  chronic_diseases(*r.patient, place.psychiatric, r);

  static constexpr uint32_t visit_weights[] = {35, 28, 15, 10, 5, 3, 2, 2};
  static constexpr unsigned visit_counts[] = {1, 2, 3, 4, 5, 6, 8, 12};
  unsigned n = visit_counts[random.weighted(visit_weights)];
  const care_plan* plan = plan_of(*r.source);
  const bool day_care = place.psychiatric && random.chance(0.2) && plan == nullptr;
  if (day_care)
    n = static_cast<unsigned>(random.between(8, 20));
  // The clean background keeps each receipt within its claim's days (at most 14).
  const uint32_t allowed =
    opts_.clean && r.source->days != 0 ? r.source->days & days_up_to(month_days_) : days_up_to(month_days_);
  uint32_t visits = 0;
  if (plan != nullptr) {
    const uint32_t required = plan->required_days & days_up_to(month_days_);
    const unsigned wanted = plan->visits != 0 ? plan->visits : n;
    const unsigned have = popcount(required);
    visits = required | (wanted > have ? pick_days(random, wanted - have, allowed & ~required) : 0);
  } else {
    visits = pick_days(random, n, allowed);
  }
  const unsigned first = lowest_day(visits);
  if (r.diagnoses.empty() || random.chance(0.3))
    acute_disease(r, random, first);

  // 11/12: the visit itself.
  const uint8_t visit_payers = unit_payers(r, random, true);
  uint32_t revisits = visits;
  if (random.chance(0.12)) {
    single(r, codes_.first_visit, one_day(first, 1), visit_payers);
    revisits &= ~bit(first);
  }
  if (revisits != 0) {
    single(r, large_hospital ? codes_.hospital_revisit : codes_.revisit, spread(revisits, 1), visit_payers);
    if (!large_hospital) {
      const uint32_t managed = subset(random, revisits, 0.6);
      if (managed != 0)
        single(r, codes_.outpatient_management, spread(managed, 1), visit_payers);
    }
    if (!hospital)
      single(r, codes_.statement_bonus, spread(revisits, 1), visit_payers);
  }
  // 13/14: management of chronic disease, home visits for the old.
  if (!hospital && random.chance(0.5))
    single(r, codes_.disease_management, spread(pick_days(random, 2, visits), 1), visit_payers);
  if (age_at(r.patient->birth_date, opts_.month) >= 75 && random.chance(0.03))
    single(r, codes_.home_visit, spread(pick_days(random, 2, visits), 1), visit_payers);

  // 2x/80: prescriptions, in house or filled by a pharmacy.
  uint32_t rx_days = subset(random, visits, 0.75);
  if (rx_days == 0 && random.chance(0.8))
    rx_days = bit(first);
  const bool psychiatric = place.psychiatric || psychiatric_person(*r.patient);
  if (plan != nullptr && (plan->no_prescriptions || plan->prescription_slip || !plan->drugs.empty())) {
    const uint8_t payers = unit_payers(r, random, true);
    if (plan->no_prescriptions) {
      // no drugs, no 処方箋
    } else if (place.outside_prescriptions) {
      single(r, codes_.prescription, one_day(first, 1), payers);
    } else {
      for (const auto& p : plan->drugs) {
        const drug_item* d = &planned(p.code);
        const uint32_t amount = d->dose;
        add(r, item_record::iy, 21, d->code, amount, one_day(first, p.days), payers).points =
          drug_points(&d, &amount, 1);
      }
      single(r, codes_.dispensing_oral, one_day(first, 1), payers);
      single(r, codes_.prescribing, one_day(first, 1), payers);
    }
  } else if (rx_days != 0) {
    prescriptions(r, random, rx_days, psychiatric, !place.outside_prescriptions);
  }

  if (random.chance(0.08))
    injections(r, random, pick_days(random, static_cast<unsigned>(random.between(1, 3)), visits), false);
  if (random.chance(0.12)) {
    // 40: a 処置, sometimes with the material it used in the same unit.
    const auto& t = *treatments_[random.below(treatments_.size())];
    const day_counts days = spread(pick_days(random, static_cast<unsigned>(random.between(1, 3)), visits), 1);
    const uint8_t payers = unit_payers(r, random, false);
    if (random.chance(0.3) && !codes_.materials.empty()) {
      add(r, item_record::si, t.shikibetsu, t.code, 0, days, payers);
      material(r, codes_.materials[random.below(codes_.materials.size())], t.shikibetsu, days, payers, t.points);
    } else {
      single(r, t, days, payers);
    }
  }
  if (random.chance(0.02)) {
    const auto& s = codes_.surgeries[random.below(std::min<size_t>(2, codes_.surgeries.size()))];
    single(r, s, one_day(first, 1), unit_payers(r, random, false));
  }
  if (random.chance(0.3))
    tests(r, random, pick_days(random, static_cast<unsigned>(random.between(1, 2)), visits), false);
  if (random.chance(0.06))
    procedure_unit(r, codes_.imaging[random.below(codes_.imaging.size())], one_day(first, 1),
                   unit_payers(r, random, false));
  if (plan != nullptr && plan->dialysis)
    single(r, codes_.dialysis, spread(visits, 1), visit_payers);
  if (plan != nullptr && plan->upcode) {
    // Every visit billed as if it were the first of a work-up, with a minor operation.
    tests(r, random, visits, false);
    single(r, codes_.surgeries[random.below(codes_.surgeries.size())], one_day(first, 1), visit_payers);
    for (unsigned day = 1; day <= 31; ++day)
      if ((visits & bit(day)) != 0) {
        procedure_unit(r, codes_.imaging[random.below(codes_.imaging.size())], one_day(day, 1), visit_payers);
        single(r, *treatments_[random.below(treatments_.size())], one_day(day, 1), visit_payers);
      }
  }
  // The clean background bills 精神療法 only to people whose receipts carry 精神通院 (KO 21).
  const bool talks_allowed =
    !opts_.clean
    || (plan != nullptr ? plan->psychotherapy
                        : r.other != nullptr && r.other->law == 21 && (r.slots & pays_second) != 0);
  // 80: psychotherapy (or the shorter support) at psychiatric clinics, rehabilitation elsewhere.
  if (opts_.clean && plan != nullptr && plan->psychotherapy) {
    single(r, codes_.psychotherapy, spread(visits, 1), visit_payers);
  } else if (place.psychiatric && !talks_allowed) {
    if (day_care)
      single(r, codes_.psychiatric_day_care, spread(visits, 1), visit_payers);
  } else if (place.psychiatric) {
    const uint32_t talks = day_care ? pick_days(random, 2, visits) : visits;
    const uint32_t support = subset(random, talks, 0.25);
    if ((talks & ~support) != 0)
      single(r, codes_.psychotherapy, spread(talks & ~support, 1), visit_payers);
    if (support != 0)
      single(r, codes_.psychiatric_support, spread(support, 1), visit_payers);
    if (day_care)
      single(r, codes_.psychiatric_day_care, spread(visits & ~talks, 1), visit_payers);
  } else if (random.chance(0.05) && !rehabilitation_.empty()) {
    single(r, *rehabilitation_[random.below(rehabilitation_.size())],
           spread(visits, static_cast<uint16_t>(random.between(1, 2))), unit_payers(r, random, false));
  }
}

void receipt_builder::prescriptions(receipt& r, rng& random, uint32_t days, bool psychiatric, bool in_house) {
  const uint8_t payers = unit_payers(r, random, true);
  if (!in_house) {
    single(r, codes_.prescription, spread(days, 1), payers);
    if (random.chance(0.5))
      single(r, codes_.generic_name_bonus, spread(days, 1), payers);
    return;
  }
  // 21: one to three 剤, each of one to three drugs, given for the same
  // number of days on every prescription day.
  static constexpr uint32_t group_weights[] = {40, 35, 25};
  static constexpr uint32_t supply_weights[] = {10, 25, 40, 25};
  static constexpr uint16_t supplies[] = {7, 14, 28, 30};
  const unsigned groups = 1 + static_cast<unsigned>(random.weighted(group_weights));
  for (unsigned g = 0; g < groups; ++g) {
    static constexpr uint32_t drug_weights[] = {60, 30, 10};
    const unsigned n = 1 + static_cast<unsigned>(random.weighted(drug_weights));
    const drug_item* drugs[3];
    uint32_t amounts[3];
    uint16_t supply_days = supplies[random.weighted(supply_weights)];
    uint32_t group_days = days;
    if (opts_.clean) {
      // One prescription day per 剤, psychotropics for at most 14 days: no drug over its limit.
      group_days = bit(lowest_day(pick_days(random, 1, days)));
      if (psychiatric && g == 0)
        supply_days = std::min<uint16_t>(supply_days, 14);
    }
    const day_counts supply = spread(group_days, supply_days);
    const uint8_t group_payers = unit_payers(r, random, psychiatric && g == 0);
    for (unsigned i = 0; i < n; ++i) {
      drugs[i] = &distinct_drug(random, psychiatric && g == 0, drugs, i);
      amounts[i] = oral_amount(random, *drugs[i]);
      add(r, item_record::iy, 21, drugs[i]->code, amounts[i], supply, group_payers);
    }
    r.items.back().points = drug_points(drugs, amounts, n);
    if (random.chance(0.05))
      comment(r, random, 21, group_payers);
  }
  if (random.chance(0.1)) {
    // 22 屯服: a pain killer for a number of times.
    const drug_item* d = &pain_killer(random);
    const uint32_t amount = d->dose;
    add(r, item_record::iy, 22, d->code, amount, one_day(lowest_day(days), 10), payers).points =
      drug_points(&d, &amount, 1);
  }
  const bool topical = random.chance(0.15) && !codes_.topical_drugs.empty();
  if (topical) {
    const drug_item* d = &topical_drug(random);
    const uint32_t amount = d->dose;
    add(r, item_record::iy, 23, d->code, amount, spread(days, 1), payers).points = drug_points(&d, &amount, 1);
  }
  single(r, codes_.dispensing_oral, spread(days, 1), payers);
  if (topical)
    single(r, codes_.dispensing_topical, spread(days, 1), payers);
  single(r, codes_.prescribing, spread(days, 1), payers);
  if (random.chance(0.3))
    single(r, codes_.drug_information, spread(days, 1), payers);
}

void receipt_builder::injections(receipt& r, rng& random, uint32_t days, bool inpatient) {
  if (codes_.injection_drugs.empty())
    return;
  // Inpatients get courses that change every few days: one unit pair per course.
  const unsigned courses = inpatient ? 1 + static_cast<unsigned>(random.below(4)) : 1;
  uint32_t remaining = days;
  for (unsigned course = 0; course < courses && remaining != 0; ++course) {
    const uint32_t course_days =
      course + 1 == courses ? remaining : pick_days(random, std::max(1u, popcount(remaining) / 2), remaining);
    remaining &= ~course_days;
    const day_counts d = spread(course_days, 1);
    const uint8_t payers = unit_payers(r, random, false);
    const bool drip = inpatient || random.chance(0.6);
    const procedure_item& act = drip ? codes_.drip : random.chance(0.5) ? codes_.injection_im : codes_.injection_iv;
    single(r, act, d, payers);
    const drug_item* drugs[3];
    uint32_t amounts[3];
    size_t n = 0;
    const unsigned extra = drip ? 1 + static_cast<unsigned>(random.below(2)) : 1;
    if (drip) {
      drugs[n] = &carrier(0); // the carrier solution
      amounts[n++] = 1000;
    }
    for (unsigned i = 0; i < extra; ++i, ++n) {
      drugs[n] = &injection_drug(random);
      amounts[n] = drugs[n]->dose;
    }
    for (size_t i = 0; i < n; ++i)
      add(r, item_record::iy, act.shikibetsu, drugs[i]->code, amounts[i], d, payers);
    r.items.back().points = drug_points(drugs, amounts, n);
  }
}

void receipt_builder::tests(receipt& r, rng& random, uint32_t days, bool inpatient) {
  if (days == 0)
    return;
  const uint8_t payers = unit_payers(r, random, false);
  const auto& items = codes_.chemistry_items;
  // 生化学: a panel per test day; only the last item carries the panel's points.
  for (unsigned day = 1; day <= 31; ++day) {
    if ((days & bit(day)) == 0)
      continue;
    // Inpatient panels are wider than the outpatient ones.
    const auto width = inpatient ? random.between(8, 22) : random.between(5, 12);
    const size_t k = std::min(items.size(), static_cast<size_t>(width));
    size_t order[32];
    for (size_t i = 0; i < items.size() && i < 32; ++i)
      order[i] = i;
    const size_t pool = std::min<size_t>(items.size(), 32);
    for (size_t i = 0; i < k; ++i)
      std::swap(order[i], order[i + random.below(pool - i)]);
    std::sort(order, order + k);
    for (size_t i = 0; i < k; ++i)
      add(r, item_record::si, 60, items[order[i]].code, 0, one_day(day, 1), payers);
    r.items.back().points = codes_.chemistry_panel_points[k >= 10 ? 2 : k >= 8 ? 1 : 0];
  }
  const day_counts all = spread(days, 1);
  const bool blood_count = random.chance(0.7) && !codes_.single_tests.empty();
  if (blood_count)
    single(r, codes_.single_tests[random.below(std::min<size_t>(2, codes_.single_tests.size()))], all, payers);
  // A few other tests, on some of the days.
  const unsigned others = inpatient ? static_cast<unsigned>(random.between(1, 4)) : random.chance(0.4) ? 1 : 0;
  for (unsigned i = 0; i < others; ++i)
    single(r, codes_.single_tests[random.below(codes_.single_tests.size())],
           spread(pick_days(random, static_cast<unsigned>(random.between(1, 3)), days), 1), payers);
  const unsigned first = lowest_day(days);
  single(r, codes_.chemistry_judgement, one_day(first, 1), payers);
  if (blood_count)
    single(r, codes_.hematology_judgement, one_day(first, 1), payers);
  // 採血料 (Ｂ－Ｖ) is billed for outpatients only.
  if (!inpatient)
    single(r, codes_.blood_draw, all, payers);
}

void receipt_builder::inpatient_drugs(receipt& r, rng& random, uint32_t stay, bool psychiatric) {
  const unsigned groups = static_cast<unsigned>(random.between(3, psychiatric ? 12 : 10));
  uint32_t drug_days = 0;
  std::vector<const drug_item*> taken;
  for (unsigned g = 0; g < groups; ++g) {
    // A course over a stretch of the stay, one dose record per day.
    uint32_t course = stay;
    if (random.chance(0.5)) {
      const unsigned from = lowest_day(stay) + static_cast<unsigned>(random.below(popcount(stay)));
      course = stay & ~days_up_to(from - 1);
    }
    const unsigned drawn = 1 + static_cast<unsigned>(random.below(3));
    const drug_item* drugs[3];
    uint32_t amounts[3];
    bool psychotropic = false;
    unsigned n = 0;
    for (unsigned i = 0; i < drawn; ++i) {
      // The clean background: psychotropics in one course only, and no drug in two
      // courses, so that no drug's days add up over its limit.
      drugs[n] = &distinct_drug(random, psychiatric && g < (opts_.clean ? 1u : 2u), drugs, n);
      amounts[n] = oral_amount(random, *drugs[n]);
      if (opts_.clean && (std::find(taken.begin(), taken.end(), drugs[n]) != taken.end()
                          || std::find(drugs, drugs + n, drugs[n]) != drugs + n))
        continue;
      psychotropic = psychotropic || drugs[n]->psychotropic;
      ++n;
    }
    if (n == 0)
      continue;
    if (opts_.clean)
      taken.insert(taken.end(), drugs, drugs + n);
    // The clean background gives psychotropics for at most 14 days of the month.
    if (opts_.clean && psychotropic)
      course = last_days(course, 14);
    drug_days |= course;
    const day_counts d = spread(course, 1);
    for (unsigned i = 0; i < n; ++i)
      add(r, item_record::iy, 21, drugs[i]->code, amounts[i], d, r.slots);
    r.items.back().points = drug_points(drugs, amounts, n);
  }
  single(r, codes_.inpatient_dispensing, spread(drug_days, 1), r.slots);
  if (random.chance(0.7))
    single(r, codes_.inpatient_dispensing_base, one_day(lowest_day(drug_days), 1), r.slots);
}

void receipt_builder::meals(receipt& r, rng& random, uint32_t stay) {
  // Three meals a day; fewer on the admission and discharge days.
  uint32_t by_count[4] = {};
  for (unsigned day = 1; day <= 31; ++day) {
    if ((stay & bit(day)) == 0)
      continue;
    unsigned n = 3;
    if (r.admission == opts_.month * 100 + day || r.discharge == opts_.month * 100 + day)
      n = static_cast<unsigned>(random.between(1, 2));
    by_count[n] |= bit(day);
  }
  for (unsigned n = 3; n >= 1; --n)
    if (by_count[n] != 0)
      add(r, item_record::si, 97, codes_.meal.code, n * 1000, spread(by_count[n], 1), r.slots).points =
        codes_.meal.points * static_cast<int32_t>(n);
  if (random.chance(0.6))
    single(r, codes_.dining_bonus, spread(stay, 1), r.slots);
}

void receipt_builder::inpatient_stay(receipt& r, rng& random, bool dpc) {
  const institution& place = *r.place;
  const bool psychiatric = place.psychiatric && !dpc;
  const uint32_t month_start = opts_.month * 100 + 1;
  unsigned first = 1;
  if (opts_.clean && r.source->admission != 0) {
    // A planned stay: admitted on that day, still in at the month's end.
    r.admission = r.source->admission;
    if (r.admission > month_start)
      first = r.admission % 100;
  } else if (random.chance(psychiatric ? 0.85 : 0.45)) {
    const int64_t before = random.between(1, psychiatric ? 900 : 60);
    r.admission = from_day_number(day_number(month_start) - before);
  } else {
    first = static_cast<unsigned>(random.between(1, month_days_));
    r.admission = opts_.month * 100 + first;
  }
  unsigned last = month_days_;
  if (!(opts_.clean && r.source->admission != 0) && random.chance(psychiatric ? 0.1 : 0.55)) {
    last = static_cast<unsigned>(random.between(first, month_days_));
    r.discharge = opts_.month * 100 + last;
  }
  r.stay = days_up_to(last) & ~days_up_to(first - 1);
  // Day of the stay (1 = admission day) of day 1 of the month's stay.
  const int64_t stay_day_of_first = day_number(opts_.month * 100 + first) - day_number(r.admission) + 1;

  chronic_diseases(*r.patient, psychiatric, r);
  if (dpc) {
    r.group = &codes_.dpc_groups[random.below(codes_.dpc_groups.size())];
    // The main disease of the 診断群分類 leads; chronic ones become comorbidities.
    diagnosis main;
    main.code = r.group->disease;
    main.icd10 = &r.group->icd10;
    main.start = r.admission;
    main.main = true;
    main.dpc_role = 1;
    for (auto& d : r.diagnoses) {
      d.main = false;
      d.dpc_role = 11;
    }
    r.diagnoses.insert(r.diagnoses.begin(), main);
    unsigned stay_day = static_cast<unsigned>(stay_day_of_first);
    for (unsigned day = first; day <= last; ++day, ++stay_day) {
      uint8_t period = 3;
      if (stay_day <= r.group->period_end[0])
        period = 1;
      else if (stay_day <= r.group->period_end[1])
        period = 2;
      if (r.periods.empty() || r.periods.back().period != period)
        r.periods.push_back(dpc_period{period, r.group->points[period - 1], 0});
      ++r.periods.back().days;
    }
  } else if (r.diagnoses.empty() || random.chance(0.5)) {
    acute_disease(r, random, first);
  }

  // 90/92: the ward, by stretch of the stay.
  if (psychiatric) {
    single(r, codes_.psychiatric_ward, spread(r.stay, 1), r.slots);
  } else if (!dpc && stay_day_of_first > 60 && random.chance(0.5)) {
    single(r, codes_.long_term_ward, spread(r.stay, 1), r.slots);
  } else {
    uint32_t by_stretch[3] = {};
    int64_t stay_day = stay_day_of_first;
    for (unsigned day = first; day <= last; ++day, ++stay_day)
      by_stretch[stay_day <= 14 ? 0 : stay_day <= 30 ? 1 : 2] |= bit(day);
    const procedure_set* sets[3] = {&codes_.acute_ward_days_1_14, &codes_.acute_ward_days_15_30,
                                    &codes_.acute_ward_days_31};
    for (int i = 0; i < 3; ++i)
      if (by_stretch[i] != 0)
        procedure_unit(r, *sets[i], spread(by_stretch[i], 1), r.slots);
    for (const auto& bonus : codes_.admission_bonuses)
      if (random.chance(0.6))
        single(r, bonus, one_day(first, 1), r.slots);
  }

  inpatient_drugs(r, random, r.stay, psychiatric);
  if (!psychiatric && random.chance(0.7))
    injections(r, random, pick_days(random, static_cast<unsigned>(random.between(3, 15)), r.stay), true);
  if (random.chance(0.4)) {
    // 40: oxygen with the oxygen it used (its own unit), or another 処置, over several days.
    const uint32_t days = pick_days(random, static_cast<unsigned>(random.between(2, 10)), r.stay);
    if (random.chance(0.5)) {
      single(r, codes_.oxygen_inhalation, spread(days, 1), r.slots);
      material(r, codes_.oxygen, 40, spread(days, 1), r.slots, 0);
    } else {
      single(r, *treatments_[random.below(treatments_.size())], spread(days, 1), r.slots);
    }
  }
  if (!psychiatric && random.chance(dpc ? 0.35 : 0.15)) {
    // 50: an operation with its drugs and materials in one unit.
    const unsigned day = lowest_day(pick_days(random, 1, r.stay));
    const auto& s = codes_.surgeries[random.below(codes_.surgeries.size())];
    single(r, s, one_day(day, 1), r.slots);
    const drug_item* drugs[2] = {&carrier(0), &carrier(1)};
    const uint32_t amounts[2] = {1000, 2000};
    add(r, item_record::iy, 50, drugs[0]->code, amounts[0], one_day(day, 1), r.slots);
    add(r, item_record::iy, 50, drugs[1]->code, amounts[1], one_day(day, 1), r.slots);
    const int32_t points = drug_points(drugs, amounts, 2);
    if (!codes_.materials.empty())
      material(r, codes_.materials[random.below(codes_.materials.size())], 50, one_day(day, 1), r.slots, points);
    else
      r.items.back().points = points;
  }
  // 60: tests every few days.
  uint32_t test_days = 0;
  const unsigned every = static_cast<unsigned>(random.between(2, 5));
  for (unsigned day = first; day <= last; day += every)
    test_days |= bit(day);
  tests(r, random, test_days, true);
  if (random.chance(0.5))
    procedure_unit(r, codes_.imaging[random.below(codes_.imaging.size())],
                   spread(pick_days(random, static_cast<unsigned>(random.between(1, 2)), r.stay), 1), r.slots);
  // 80: rehabilitation, one to three units a day; 作業療法 on psychiatric wards.
  if (psychiatric) {
    single(r, codes_.occupational_therapy, spread(subset(random, r.stay, 0.6), 1), r.slots);
  } else if (random.chance(0.4) && !rehabilitation_.empty()) {
    const auto& rehab = *rehabilitation_[random.below(std::min<size_t>(2, rehabilitation_.size()))];
    single(r, rehab, spread(subset(random, r.stay, 0.7), static_cast<uint16_t>(random.between(1, 3))), r.slots);
  }
  if (random.chance(0.2))
    comment(r, random, 80, r.slots);
  if (random.chance(0.95))
    meals(r, random, r.stay);
  // Units that lost every day to empty subsets are dropped.
  r.items.erase(std::remove_if(r.items.begin(), r.items.end(),
                               [](const item_line& l) { return l.record != item_record::co && l.count == 0; }),
                r.items.end());
}

void receipt_builder::sort_units(receipt& r) {
  // Units were added by topic; the 摘要 lists them by 診療識別. A CO stays
  // with the unit before it.
  spans_.clear();
  uint32_t begin = 0;
  for (uint32_t i = 0; i < r.items.size(); ++i) {
    const auto& line = r.items[i];
    const bool closes = line.record == item_record::co || line.points >= 0;
    const bool co_follows = i + 1 < r.items.size() && r.items[i + 1].record == item_record::co;
    if (closes && !co_follows) {
      spans_.push_back({r.items[begin].shikibetsu, begin, i + 1});
      begin = i + 1;
    }
  }
  std::stable_sort(spans_.begin(), spans_.end(),
                   [](const unit_span& a, const unit_span& b) { return a.shikibetsu < b.shikibetsu; });
  scratch_.clear();
  for (const auto& s : spans_)
    scratch_.insert(scratch_.end(), r.items.begin() + s.begin, r.items.begin() + s.end);
  r.items.swap(scratch_);
}

void receipt_builder::to_dpc(receipt& r) {
  // 包括 care (ward, drugs, injections, tests, imaging, small 処置) moves to the
  // コーディングデータ; 出来高 care (management, operations, large 処置,
  // rehabilitation, meals) stays billed line by line. CD lists both.
  sort_units(r);
  scratch_.clear();
  uint16_t unit = 0;
  uint32_t begin = 0;
  for (uint32_t i = 0; i < r.items.size(); ++i) {
    const auto& line = r.items[i];
    if (line.record != item_record::co && line.points < 0)
      continue;
    const uint8_t s = r.items[begin].shikibetsu;
    const bool billed = s == 13 || s == 14 || s == 50 || s == 54 || s == 80 || s == 97
                        || (s == 40 && line.points >= 1000) || line.record == item_record::co;
    if (s != 97 && line.record != item_record::co) {
      ++unit;
      for (unsigned day = 1; day <= 31; ++day) {
        if (line.days[day - 1] == 0)
          continue;
        for (uint32_t j = begin; j <= i; ++j) {
          const auto& unit_line = r.items[j];
          r.coding.push_back(coding_entry{static_cast<uint8_t>(day), unit_line.shikibetsu, unit,
                                          static_cast<uint8_t>(j - begin + 1), unit_line.record, unit_line.code,
                                          unit_line.quantity, unit_line.days[day - 1]});
        }
      }
    }
    if (billed)
      scratch_.insert(scratch_.end(), r.items.begin() + begin, r.items.begin() + i + 1);
    begin = i + 1;
  }
  r.items.swap(scratch_);
  // CD records run day by day; 順序番号 counts the acts (unit and day) in that order.
  std::stable_sort(r.coding.begin(), r.coding.end(),
                   [](const coding_entry& a, const coding_entry& b) { return a.day < b.day; });
  uint16_t order = 0;
  for (size_t k = 0; k < r.coding.size(); ++k) {
    auto& e = r.coding[k];
    const bool same_act = k > 0 && r.coding[k - 1].day == e.day && e.detail > 1;
    if (!same_act)
      ++order;
    e.order = order;
  }
}

void receipt_builder::dental(receipt& r, rng& random) {
  static constexpr uint32_t visit_weights[] = {30, 30, 20, 12, 8};
  const unsigned n = 1 + static_cast<unsigned>(random.weighted(visit_weights));
  const uint32_t visits = pick_days(random, n, days_up_to(month_days_));
  const unsigned first = lowest_day(visits);
  const bool new_patient = random.chance(0.25);
  r.first_visit = new_patient ? opts_.month * 100 + first
                              : from_day_number(day_number(opts_.month * 100 + 1) - random.between(1, 120));

  // HS: one to three dental diseases, each on one or two teeth.
  const unsigned diseases = 1 + static_cast<unsigned>(random.below(3));
  for (unsigned i = 0; i < diseases && !dental_diseases_.empty(); ++i) {
    diagnosis d;
    const auto& disease = codes_.diseases[pick_weighted(dental_diseases_, dental_weights_, random)];
    d.code = disease.code;
    d.start = r.first_visit;
    d.main = i == 0;
    d.outcome = random.chance(0.2) ? 2 : 1;
    for (auto& tooth : d.teeth)
      if (&tooth == d.teeth || random.chance(0.3))
        tooth = static_cast<uint16_t>(1000 + random.between(1, 4) * 10 + random.between(1, 8));
    r.diagnoses.push_back(d);
  }

  const uint8_t payers = r.slots;
  auto ss = [&](const procedure_item& p, const day_counts& days) {
    add(r, item_record::ss, p.shikibetsu, p.code, 0, days, payers).points = p.points;
  };
  uint32_t revisits = visits;
  if (new_patient) {
    ss(codes_.dental_first_visit, one_day(first, 1));
    revisits &= ~bit(first);
  }
  if (revisits != 0)
    ss(codes_.dental_revisit, spread(revisits, 1));
  if (random.chance(0.6))
    ss(codes_.dental_management, one_day(first, 1));
  // Monthly items (医学管理, 13) once; treatment items on visit days.
  for (const auto& p : codes_.dental_procedures)
    if (p.shikibetsu == 13 && random.chance(0.3))
      ss(p, one_day(first, 1));
  for (unsigned day = 1; day <= 31 && !dental_treatments_.empty(); ++day) {
    if ((visits & bit(day)) == 0)
      continue;
    const unsigned k = 1 + static_cast<unsigned>(random.below(2));
    for (unsigned i = 0; i < k; ++i)
      ss(*dental_treatments_[random.below(dental_treatments_.size())], one_day(day, 1));
  }
  if (random.chance(0.1)) {
    // 21: a few days of a pain killer.
    const drug_item* d = &pain_killer(random);
    const uint32_t amount = d->dose * 3;
    add(r, item_record::iy, 21, d->code, amount, one_day(first, 3), payers).points = drug_points(&d, &amount, 1);
  }
  if (random.chance(0.2)) {
    const auto& film = codes_.dental_film;
    material(r, film, 80, one_day(first, 1), payers, 0);
  }
  if (random.chance(0.1))
    comment(r, random, 80, payers);
  sort_units(r);
}

void receipt_builder::pharmacy(receipt& r, rng& random) {
  if (const care_plan* plan = plan_of(*r.source); plan != nullptr && !plan->drugs.empty()) {
    planned_pharmacy(r, random, *plan);
    return;
  }
  static constexpr uint32_t reception_weights[] = {70, 22, 8};
  const unsigned receptions = 1 + static_cast<unsigned>(random.weighted(reception_weights));
  const uint32_t days = pick_days(random, receptions, days_up_to(month_days_));
  const bool psychiatric = psychiatric_person(*r.patient);
  uint8_t reception = 0;
  for (unsigned day = 1; day <= 31; ++day) {
    if ((days & bit(day)) == 0)
      continue;
    ++reception;
    rx_reception rec;
    rec.day = static_cast<uint8_t>(day);
    rec.issue_day = static_cast<uint8_t>(day > 1 && random.chance(0.2) ? day - 1 : day);
    rec.payers = r.slots;
    rec.guidance = random.chance(0.85);
    r.receptions.push_back(rec);

    static constexpr uint32_t group_weights[] = {45, 35, 20};
    const unsigned groups = 1 + static_cast<unsigned>(random.weighted(group_weights));
    uint16_t longest_oral = 0;
    const size_t first_group = r.groups.size();
    for (unsigned g = 0; g < groups; ++g) {
      rx_group group;
      group.reception = reception;
      static constexpr uint32_t form_weights[] = {80, 8, 12};
      static constexpr uint8_t forms[] = {1, 3, 5};
      group.form = g == 0 ? 1 : forms[random.weighted(form_weights)];
      group.first_drug = static_cast<uint16_t>(r.drugs.size());
      const drug_item* drugs[3];
      uint32_t amounts[3];
      size_t n = 0;
      if (group.form == 1) {
        static constexpr uint32_t supply_weights[] = {10, 20, 5, 35, 15, 5, 10};
        static constexpr uint16_t supplies[] = {7, 14, 21, 28, 30, 35, 56};
        group.quantity = supplies[random.weighted(supply_weights)];
        group.usage = static_cast<uint16_t>(random.between(1, 6));
        n = 1 + random.below(3);
        for (size_t i = 0; i < n; ++i) {
          // The clean background fills psychotropics on the first reception only.
          const bool psychotropic = psychiatric && g == 0 && i == 0 && (!opts_.clean || reception == 1);
          drugs[i] = &distinct_drug(random, psychotropic, drugs, i);
          amounts[i] = oral_amount(random, *drugs[i]);
          if (drugs[i]->psychotropic)
            group.bonus = &codes_.psychotropic_bonus;
        }
        // Clean: psychotropics ≤ 14 days, others ≤ 30 a reception (≤ 90 over three).
        if (opts_.clean)
          group.quantity = std::min<uint16_t>(group.quantity, group.bonus != nullptr ? 14 : 30);
        group.preparation = &codes_.preparation_oral;
        longest_oral = std::max(longest_oral, group.quantity);
      } else if (group.form == 3) {
        drugs[0] = &pain_killer(random);
        amounts[0] = drugs[0]->dose;
        n = 1;
        group.quantity = static_cast<uint16_t>(5 * random.between(1, 3));
        group.usage = 21;
        group.preparation = &codes_.preparation_as_needed;
      } else {
        drugs[0] = &topical_drug(random);
        amounts[0] = drugs[0]->dose;
        n = 1;
        group.quantity = 1;
        group.usage = 51;
        group.preparation = &codes_.preparation_topical;
      }
      for (size_t i = 0; i < n; ++i)
        r.drugs.push_back(rx_drug{drugs[i]->code, amounts[i], group.form == 1 ? amounts[i] : drugs[i]->dose});
      group.drug_count = static_cast<uint16_t>(n);
      group.unit_points = drug_points(drugs, amounts, n);
      group.payers = unit_payers(r, random, group.bonus != nullptr);
      r.groups.push_back(group);
    }
    // 調剤管理料: once per reception, on its first 剤, by the longest 内服 supply.
    auto& head = r.groups[first_group];
    if (longest_oral == 0)
      head.management = &codes_.dispensing_management_other;
    else
      head.management = &codes_.dispensing_management[longest_oral <= 7 ? 0 : longest_oral <= 14 ? 1
                                                       : longest_oral <= 28 ? 2 : 3];
  }
}

void receipt_builder::planned_pharmacy(receipt& r, rng& random, const care_plan& plan) {
  // One reception on a day of the claim's days, one 剤 per planned drug.
  const uint32_t allowed = r.source->days != 0 ? r.source->days & days_up_to(month_days_) : days_up_to(month_days_);
  rx_reception rec;
  rec.day = static_cast<uint8_t>(lowest_day(pick_days(random, 1, allowed)));
  rec.issue_day = rec.day;
  rec.payers = r.slots;
  rec.guidance = true;
  r.receptions.push_back(rec);
  uint16_t longest = 0;
  for (const auto& p : plan.drugs) {
    const drug_item* d = &planned(p.code);
    rx_group group;
    group.reception = 1;
    group.form = 1;
    group.quantity = p.days;
    group.usage = 1;
    group.first_drug = static_cast<uint16_t>(r.drugs.size());
    group.drug_count = 1;
    group.preparation = &codes_.preparation_oral;
    if (d->psychotropic)
      group.bonus = &codes_.psychotropic_bonus;
    const uint32_t amount = d->dose;
    r.drugs.push_back(rx_drug{d->code, amount, amount});
    group.unit_points = drug_points(&d, &amount, 1);
    group.payers = r.slots;
    r.groups.push_back(group);
    longest = std::max(longest, p.days);
  }
  r.groups.front().management =
    &codes_.dispensing_management[longest <= 7 ? 0 : longest <= 14 ? 1 : longest <= 28 ? 2 : 3];
}

void receipt_builder::totals(receipt& r) const {
  auto each_slot = [](uint8_t payers, auto&& f) {
    for (int slot = 0; slot < 3; ++slot)
      if ((payers >> slot) & 1)
        f(slot);
  };
  for (const auto& line : r.items) {
    if (line.record == item_record::co)
      continue;
    each_slot(line.payers, [&](int slot) {
      r.days[static_cast<size_t>(slot)] |= line.mask;
      if (line.points < 0)
        return;
      const int64_t amount = int64_t{line.points} * line.count;
      if (line.shikibetsu == 97) { // 食事: yen, outside 合計点数
        r.meal_yen[static_cast<size_t>(slot)] += amount;
        if (line.code == codes_.meal.code)
          r.meals[static_cast<size_t>(slot)] += line.quantity / 1000 * line.count;
      } else {
        r.points[static_cast<size_t>(slot)] += amount;
      }
    });
  }
  if (r.kind == model::receipt_kind::dpc) {
    int64_t bundled = 0;
    for (const auto& p : r.periods)
      bundled += int64_t{p.points} * p.days;
    each_slot(r.slots, [&](int slot) {
      r.points[static_cast<size_t>(slot)] += bundled;
      r.days[static_cast<size_t>(slot)] |= r.stay;
    });
  }
  for (const auto& g : r.groups)
    each_slot(g.payers, [&](int slot) {
      r.points[static_cast<size_t>(slot)] += g.points();
      r.days[static_cast<size_t>(slot)] |= bit(r.receptions[g.reception - 1u].day);
    });
  for (const auto& rec : r.receptions)
    each_slot(rec.payers, [&](int slot) {
      r.points[static_cast<size_t>(slot)] +=
        codes_.pharmacy_base.points + (rec.guidance ? codes_.medication_guidance.points : 0);
      r.days[static_cast<size_t>(slot)] |= bit(rec.day);
    });
}

} // namespace receptor::synth::detail
