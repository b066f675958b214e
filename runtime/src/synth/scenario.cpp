#include "receptor/synth/scenario.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "receipt.hpp"
#include "receptor/dates.hpp"
#include "receptor/master/master_set.hpp"
#include "receptor/synth/random.hpp"

namespace receptor::synth {

// --- behaviours: plan_behaviours(), plan_background() (behaviour.hpp) ---------------
// (Their own behaviour.cpp once runtime/CMakeLists.txt lists it.)

namespace {

using model::receipt_kind;

// Stream tags, apart from every other draw of a scenario.
constexpr uint64_t behaviour_stream = 0x62687672;  // "bhvr"
constexpr uint64_t profile_stream = 0x70726f66;    // "prof"
constexpr uint64_t visit_stream = 0x76697374;      // "vist" + month
constexpr uint64_t order_stream = 0x6f726472;      // "ordr" + month

constexpr uint32_t bit(unsigned day) { return uint32_t{1} << (day - 1); }
constexpr uint32_t days_up_to(unsigned last) { return last >= 32 ? ~uint32_t{0} : (uint32_t{1} << last) - 1; }

unsigned popcount(uint32_t mask) {
  unsigned n = 0;
  for (; mask != 0; mask &= mask - 1)
    ++n;
  return n;
}

// `n` days of `allowed` drawn without repeats (all of them if fewer).
uint32_t draw_days(rng& random, unsigned n, uint32_t allowed) {
  uint32_t chosen = 0;
  for (unsigned k = 0; k < n && (allowed & ~chosen) != 0; ++k) {
    unsigned r = static_cast<unsigned>(random.below(popcount(allowed & ~chosen)));
    for (unsigned day = 1; day <= 31; ++day)
      if ((allowed & ~chosen & bit(day)) != 0 && r-- == 0) {
        chosen |= bit(day);
        break;
      }
  }
  return chosen;
}

// As the receipt builder decides it: a person's chronic picture is psychiatric.
bool psychiatric_person(const person& p) { return (derive_seed(p.traits, 1) % 100) < 30; }

std::string key_of(const institution& inst) {
  std::string key;
  key += static_cast<char>('0' + inst.prefecture / 10);
  key += static_cast<char>('0' + inst.prefecture % 10);
  key += static_cast<char>('0' + inst.table);
  return key + inst.code;
}

// Ingredients with a 30- or 90-day limit (spec/welfare-domain.md §9), as the
// 一般名 writes them; a psychotropic naming none of them has the 14-day limit.
constexpr const char* limit_30[] = {
  "ゾルピデム", "トリアゾラム", "ブロチゾラム", "エチゾラム", "ロラゼパム", "アルプラゾラム", "エスタゾラム",
  "オキサゾラム", "クアゼパム", "クロキサゾラム", "クロチアゼパム", "クロルジアゼポキシド", "ゾピクロン",
  "ニメタゼパム", "ハロキサゾラム", "プラゼパム", "フルジアゼパム", "フルニトラゼパム", "フルラゼパム",
  "ブロマゼパム", "ペモリン", "メダゼパム", "メチルフェニデート", "モダフィニル", "ロフラゼプ", "ロルメタゼパム",
  "オキシコドン", "コデイン", "モルヒネ", "クロルプロマジン", "フェノバルビタール", "エフェドリン"};
constexpr const char* limit_90[] = {"ジアゼパム", "ニトラゼパム", "フェノバルビタール", "クロナゼパム", "クロバザム",
                                    "フェニトイン"};

// Where a scenario's people go: institutions by role, weighted, per prefecture.
struct institution_pool {
  std::vector<std::vector<uint32_t>> by_prefecture = std::vector<std::vector<uint32_t>>(48);
  std::vector<std::vector<uint64_t>> weights = std::vector<std::vector<uint64_t>>(48);
  std::vector<uint32_t> all;
  std::vector<uint64_t> all_weights;

  void add(uint32_t index, const institution& inst) {
    auto push = [&](std::vector<uint32_t>& into, std::vector<uint64_t>& cumulative) {
      into.push_back(index);
      cumulative.push_back((cumulative.empty() ? 0 : cumulative.back()) + std::max<uint32_t>(inst.weight, 1));
    };
    push(by_prefecture[inst.prefecture], weights[inst.prefecture]);
    push(all, all_weights);
  }
  bool empty() const { return all.empty(); }
  // One of the prefecture's by weight (of anywhere if it has none).
  uint32_t pick(uint8_t prefecture, rng& random) const {
    const bool local = !by_prefecture[prefecture].empty();
    const auto& items = local ? by_prefecture[prefecture] : all;
    const auto& cumulative = local ? weights[prefecture] : all_weights;
    const uint64_t r = random.below(cumulative.back());
    return items[static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin())];
  }
};

struct pools {
  institution_pool outpatient;  // clinics and hospitals
  institution_pool secondary;   // clinics that are not psychiatric
  institution_pool hospitals;
  institution_pool pharmacies;
  institution_pool dentists;
};

pools make_pools(const population& pop, const std::vector<bool>& reserved) {
  pools p;
  for (uint32_t i = 0; i < pop.institutions.size(); ++i) {
    if (i < reserved.size() && reserved[i])
      continue;
    const institution& inst = pop.institutions[i];
    switch (inst.type) {
      case facility::clinic:
        p.outpatient.add(i, inst);
        if (!inst.psychiatric)
          p.secondary.add(i, inst);
        break;
      case facility::hospital:
        p.outpatient.add(i, inst);
        p.hospitals.add(i, inst);
        break;
      case facility::pharmacy:
        p.pharmacies.add(i, inst);
        break;
      case facility::dental_clinic:
        p.dentists.add(i, inst);
        break;
    }
  }
  return p;
}

claim make_claim(uint32_t person, uint32_t institution, receipt_kind kind, bool inpatient) {
  claim c;
  c.person = person;
  c.institution = institution;
  c.prescriber = institution;
  c.kind = kind;
  c.inpatient = inpatient;
  return c;
}

// Plans every behaviour; one instance per scenario.
class behaviour_planner {
public:
  behaviour_planner(uint64_t seed, uint32_t first_month, size_t months, const population& pop, const catalog& codes,
                    const master::master_set* masters, const feed_options& feed)
    : random_(derive_seed(seed, behaviour_stream)), first_month_(first_month), months_(months), pop_(pop),
      codes_(codes), masters_(masters) {
    plan_.claims.resize(months);
    care_plan no_drugs;
    no_drugs.no_prescriptions = true;
    plan_.no_drugs = add_plan(std::move(no_drugs));
    plan_.reserved_people.assign(pop.people.size(), false);
    plan_.reserved_institutions.assign(pop.institutions.size(), false);
    // People a behaviour may take: adults of a programme-12 office that
    // supplies tickets, 単独 (no HO, no other 公費, none held unbilled).
    const uint32_t first_day = first_month * 100 + 1;
    for (uint32_t i = 0; i < pop.people.size(); ++i) {
      const person& p = pop.people[i];
      const office& o = pop.offices[p.office];
      const uint32_t age = detail::age_at(p.birth_date, first_month);
      if (o.law != 12 || age < 20 || age > 74 || p.birth_date > first_day || p.insurance >= 0)
        continue;
      if (std::find(feed.offices_without_tickets.begin(), feed.offices_without_tickets.end(), o.payer_no)
          != feed.offices_without_tickets.end())
        continue;
      if (unbilled_scheme(pop, i, feed, first_month) != 0)
        continue;
      (p.other < 0 ? people_ : with_other_).push_back(i);
    }
    shuffle(people_);
    shuffle(with_other_);
    for (uint32_t i = 0; i < pop.institutions.size(); ++i) {
      const institution& inst = pop.institutions[i];
      if (inst.type == facility::clinic && !inst.psychiatric)
        (inst.outside_prescriptions ? clinics_out_ : clinics_in_).push_back(i);
      else if (inst.type == facility::clinic)
        psychiatric_clinics_.push_back(i);
      else if (inst.type == facility::hospital)
        hospitals_.push_back(i);
      else if (inst.type == facility::pharmacy)
        pharmacies_.push_back(i);
      else if (inst.type == facility::dental_clinic)
        dentists_.push_back(i);
    }
    if (psychiatric_clinics_.empty())
      psychiatric_clinics_ = clinics_out_;
    for (const auto& d : codes.oral_drugs) {
      if (d.form != dosage_form::oral || d.narcotic)
        continue;
      if (d.psychotropic && !d.has_generic)
        psychotropics_.push_back(&d);
      else if (!d.psychotropic && d.has_generic)
        brands_.push_back(&d);
      else if (!d.psychotropic && !d.generic)
      {
        plain_brands_.push_back(&d);
        plain_.push_back(&d);
      }
      else if (!d.psychotropic)
        plain_.push_back(&d);
    }
  }

  behaviour_plan run(const behaviour_options& b, size_t receipts);

private:
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t k = v.size(); k > 1; --k)
      std::swap(v[k - 1], v[static_cast<size_t>(random_.below(k))]);
  }
  // The next unused person: psychiatric (for psychotropics) or any; false when none is left.
  bool take(uint32_t& out, bool psychiatric = false) {
    for (size_t k = 0; k < people_.size(); ++k) {
      const size_t at = (next_ + k) % people_.size();
      const uint32_t candidate = people_[at];
      if (plan_.reserved_people[candidate] || (psychiatric && !psychiatric_person(pop_.people[candidate])))
        continue;
      next_ = at + 1;
      plan_.reserved_people[candidate] = true;
      out = candidate;
      return true;
    }
    return false;
  }
  // Takes a reserved clinic out of the behaviours' choice.
  void drop(uint32_t clinic, std::vector<uint32_t>& all_clinics) {
    for (auto* v : {&clinics_out_, &clinics_in_, &all_clinics})
      v->erase(std::remove(v->begin(), v->end(), clinic), v->end());
  }
  uint32_t any_of(const std::vector<uint32_t>& v) { return v[static_cast<size_t>(random_.below(v.size()))]; }
  // `n` distinct institutions of `v` (fewer if it has fewer).
  std::vector<uint32_t> distinct(const std::vector<uint32_t>& v, size_t n) {
    std::vector<uint32_t> copy = v;
    shuffle(copy);
    copy.resize(std::min(n, copy.size()));
    return copy;
  }
  const drug_item* drug_of(const std::vector<const drug_item*>& v) {
    return v.empty() ? nullptr : v[static_cast<size_t>(random_.below(v.size()))];
  }
  std::vector<const drug_item*> distinct_drugs(const std::vector<const drug_item*>& v, size_t n) {
    std::vector<const drug_item*> copy = v;
    shuffle(copy);
    copy.resize(std::min(n, copy.size()));
    return copy;
  }
  // The name a drug's ingredient shows in: the master's 一般名, else its own name.
  std::string ingredient_text(const drug_item& d) const {
    if (masters_ != nullptr)
      if (const auto* m = masters_->find_drug(d.code); m != nullptr && !m->generic_name.empty())
        return m->generic_name + m->name;
    return d.name;
  }
  const drug_item* psychotropic_with_limit(int limit);

  uint32_t add_plan(care_plan p) {
    plan_.plans.push_back(std::move(p));
    return static_cast<uint32_t>(plan_.plans.size());
  }
  // A 医科 入院外 claim in month `m` with its own plan; returns the plan index.
  uint32_t visit(size_t m, uint32_t person, uint32_t inst, care_plan p, uint32_t days = 0) {
    const uint32_t id = add_plan(std::move(p));
    claim c = make_claim(person, inst, receipt_kind::medical, false);
    c.days = days;
    c.plan = id;
    plan_.claims[m].push_back(c);
    return id;
  }
  uint32_t dispense(size_t m, uint32_t person, uint32_t pharmacy, uint32_t prescriber, std::vector<planned_drug> drugs) {
    care_plan p;
    p.drugs = std::move(drugs);
    const uint32_t id = add_plan(std::move(p));
    claim c = make_claim(person, pharmacy, receipt_kind::pharmacy, false);
    c.prescriber = prescriber;
    c.plan = id;
    plan_.claims[m].push_back(c);
    return id;
  }
  // A visit on `day` at `clinic` prescribing `drugs`: 院内 on the 医科
  // receipt, or 院外 with 処方箋料 and a 調剤 receipt of a pharmacy (new to
  // the person). Returns the plan of the receipt that carries the drugs.
  uint32_t prescribe(size_t m, uint32_t person, uint32_t clinic, unsigned day, std::vector<planned_drug> drugs,
                     std::vector<uint32_t>& used_pharmacies) {
    care_plan p;
    p.visits = 1;
    p.required_days = bit(day);
    const bool outside = pop_.institutions[clinic].outside_prescriptions;
    if (outside)
      p.prescription_slip = true;
    else
      p.drugs = drugs;
    const uint32_t at_clinic = visit(m, person, clinic, std::move(p));
    if (!outside)
      return at_clinic;
    uint32_t pharmacy = any_of(pharmacies_);
    for (int attempt = 0; attempt < 64 && std::find(used_pharmacies.begin(), used_pharmacies.end(), pharmacy)
                                            != used_pharmacies.end();
         ++attempt)
      pharmacy = any_of(pharmacies_);
    used_pharmacies.push_back(pharmacy);
    return dispense(m, person, pharmacy, clinic, std::move(drugs));
  }
  void find(const char* code, bool expected, uint32_t person, size_t m, const std::string& institution,
            uint32_t plan, const char* injection, std::string detail) {
    behaviour_finding f;
    f.code = code;
    f.expected = expected;
    f.person = person;
    f.month = m;
    f.institution = institution;
    f.plan = plan;
    f.injection = injection;
    f.detail = std::move(detail);
    plan_.findings.push_back(std::move(f));
  }
  void anomalous_person(uint32_t person, size_t m, const char* injection) {
    plan_.anomalies.push_back(anomaly_subject{false, person, {}, m, injection});
  }
  std::string key(uint32_t inst) const { return key_of(pop_.institutions[inst]); }

  // FREQUENT_VISITS is decided from the planned days of every month.
  struct visit_series {
    uint32_t person, institution;
    std::vector<unsigned> days;
    const char* injection;
  };
  void frequent(const visit_series& s);

  rng random_;
  uint32_t first_month_;
  size_t months_;
  const population& pop_;
  const catalog& codes_;
  const master::master_set* masters_;
  behaviour_plan plan_;
  std::vector<uint32_t> people_, with_other_;
  size_t next_ = 0;
  std::vector<uint32_t> clinics_out_, clinics_in_, psychiatric_clinics_, hospitals_, pharmacies_, dentists_;
  std::vector<const drug_item*> psychotropics_, brands_, plain_brands_, plain_;
};

const drug_item* behaviour_planner::psychotropic_with_limit(int limit) {
  // 30: an ingredient of the 30-day list (zolpidem first); 14: a psychotropic naming none of the lists.
  if (limit == 30) {
    for (const char* name : limit_30)
      for (const drug_item* d : psychotropics_)
        if (ingredient_text(*d).find(name) != std::string::npos)
          return d;
    return nullptr;
  }
  for (const drug_item* d : psychotropics_) {
    const std::string text = ingredient_text(*d);
    auto named = [&](const char* name) { return text.find(name) != std::string::npos; };
    if (std::none_of(std::begin(limit_30), std::end(limit_30), named)
        && std::none_of(std::begin(limit_90), std::end(limit_90), named))
      return d;
  }
  return nullptr;
}

void behaviour_planner::frequent(const visit_series& s) {
  for (size_t m = 0; m < months_; ++m) {
    const unsigned days = s.days[m];
    if (days < 14)
      continue;
    unsigned window = 0;
    std::string per_month;
    for (size_t back = 0; back < 3 && back <= m; ++back) {
      window += s.days[m - back];
      per_month += (back == 0 ? "" : ";") + iso_month(add_months(first_month_, static_cast<int>(m - back))) + "="
                   + std::to_string(s.days[m - back]);
    }
    const bool hit = days >= 15 && window >= 40;
    find("FREQUENT_VISITS", hit, s.person, m, key(s.institution), 0, s.injection,
         "days=" + std::to_string(days) + " window=" + std::to_string(window) + " (" + per_month + ")");
    if (hit)
      anomalous_person(s.person, m, s.injection);
  }
}

behaviour_plan behaviour_planner::run(const behaviour_options& b, size_t receipts) {
  const size_t base = receipts < 1000 ? 0 : std::max<size_t>(1, receipts / 20000);
  auto count = [&](size_t n) { return n == automatic ? base : n; };
  const size_t last = months_ - 1;
  uint32_t person = 0;
  if (clinics_out_.empty() || pharmacies_.empty() || hospitals_.empty() || dentists_.empty())
    return std::move(plan_);
  std::vector<uint32_t> all_clinics = clinics_out_;
  all_clinics.insert(all_clinics.end(), clinics_in_.begin(), clinics_in_.end());

  // Frequent visitors: 15 days with a window of 40, and the near misses
  // 14 days (window 40) and 15 days (window 39). Earlier months: 8 days.
  static constexpr std::array<std::array<unsigned, 3>, 3> shapes = {{{15, 13, 12}, {14, 13, 13}, {15, 12, 12}}};
  static constexpr const char* shape_names[] = {"frequent_visitor", "frequent_visitor_near_miss_days",
                                                "frequent_visitor_near_miss_window"};
  for (size_t i = 0; i < count(b.frequent_visitors); ++i)
    for (size_t s = 0; s < 3; ++s) {
      if (!take(person))
        break;
      visit_series series{person, any_of(all_clinics), std::vector<unsigned>(months_, 8), shape_names[s]};
      for (size_t back = 0; back < 3 && back <= last; ++back)
        series.days[last - back] = shapes[s][back];
      for (size_t m = 0; m < months_; ++m) {
        care_plan p;
        p.visits = static_cast<uint8_t>(series.days[m]);
        p.no_prescriptions = true;
        visit(m, person, series.institution, std::move(p));
      }
      frequent(series);
    }

  // A clinic whose patients are mostly frequent visitors: four in five come 15–18 days every month.
  // The clinics' patients: ten more than the other counts when automatic.
  auto patients = [&](size_t n) { return n != automatic ? n : base == 0 ? 0 : 10 + base; };
  if (const size_t n = patients(b.frequent_clinic_patients); n > 0) {
    const uint32_t clinic = any_of(all_clinics);
    plan_.reserved_institutions[clinic] = true;
    for (size_t m = 0; m < months_; ++m)
      plan_.anomalies.push_back(anomaly_subject{true, 0, key(clinic), m, "frequent_clinic"});
    for (size_t j = 0; j < n && take(person); ++j) {
      const unsigned days = j % 5 == 4 ? 3 : 15 + static_cast<unsigned>(j % 4);
      visit_series series{person, clinic, std::vector<unsigned>(months_, days), "frequent_clinic"};
      for (size_t m = 0; m < months_; ++m) {
        care_plan p;
        p.visits = static_cast<uint8_t>(days);
        p.no_prescriptions = true;
        visit(m, person, clinic, std::move(p));
      }
      frequent(series);
    }
    drop(clinic, all_clinics);
  }

  // A clinic that up-codes: every visit a work-up of tests, imaging and 処置.
  if (const size_t n = patients(b.upcoding_clinic_patients); n > 0) {
    const uint32_t clinic = any_of(all_clinics);
    plan_.reserved_institutions[clinic] = true;
    for (size_t m = 0; m < months_; ++m)
      plan_.anomalies.push_back(anomaly_subject{true, 0, key(clinic), m, "upcoding_clinic"});
    for (size_t j = 0; j < n && take(person); ++j)
      for (size_t m = 0; m < months_; ++m) {
        care_plan p;
        p.visits = static_cast<uint8_t>(2 + j % 3);
        p.no_prescriptions = true;
        p.upcode = true;
        visit(m, person, clinic, std::move(p));
      }
    drop(clinic, all_clinics);
  }
  if (clinics_out_.empty())
    return std::move(plan_);

  // Doctor shoppers: a psychotropic for 14 days from each of several clinics
  // (one visit each, on distinct days), filled at as many pharmacies.
  for (size_t i = 0; i < count(b.psychotropic_shoppers) && !psychotropics_.empty(); ++i) {
    if (!take(person, true))
      break;
    size_t total = i == 0 ? 3 : i == 1 ? 26 : 3 + (i * 7) % 24;
    size_t clinics = (total + 1) / 2, filled = total - clinics;
    if (clinics_in_.size() < clinics - filled)
      filled = clinics, total = 2 * clinics;
    std::vector<uint32_t> chosen = distinct(clinics_out_, filled);
    const auto in_house = distinct(clinics_in_, clinics - filled);
    chosen.insert(chosen.end(), in_house.begin(), in_house.end());
    std::vector<uint32_t> used;
    std::string names;
    for (size_t j = 0; j < chosen.size(); ++j) {
      const drug_item* d = drug_of(psychotropics_);
      prescribe(last, person, chosen[j], static_cast<unsigned>(1 + 2 * j), {{d->code, 14}}, used);
      names += (j == 0 ? "" : ";") + key(chosen[j]);
    }
    find("PSYCHOTROPIC_MULTI_SOURCE", true, person, last, "", 0, "psychotropic_shopping",
         "prescribers=" + std::to_string(chosen.size()) + " institutions=" + std::to_string(chosen.size() + used.size())
           + " (" + names + ")");
    if (chosen.size() >= 3)
      find("MULTI_INSTITUTION", true, person, last, "", 0, "psychotropic_shopping",
           "institutions=" + std::to_string(chosen.size()) + ", the person's chronic diseases on each");
    anomalous_person(person, last, "psychotropic_shopping");
  }

  // Three clinics for one chronic disease; the near miss has two and a dentist.
  for (size_t i = 0; i < count(b.multi_institution); ++i) {
    for (int near = 0; near < 2; ++near) {
      if (!take(person))
        break;
      const auto clinics = distinct(clinics_out_, 3);
      for (size_t j = 0; j < clinics.size(); ++j) {
        care_plan p;
        p.visits = 3;
        p.required_days = bit(static_cast<unsigned>(1 + j)) | bit(static_cast<unsigned>(5 + j))
                          | bit(static_cast<unsigned>(9 + j));
        p.no_prescriptions = true;
        if (near == 1 && j == 2) {
          claim c = make_claim(person, any_of(dentists_), receipt_kind::dental, false);
          c.plan = add_plan(std::move(p));
          plan_.claims[last].push_back(c);
        } else {
          visit(last, person, clinics[j], std::move(p));
        }
      }
      find("MULTI_INSTITUTION", near == 0, person, last, "", 0,
           near == 0 ? "multi_institution" : "multi_institution_near_miss_dental",
           near == 0 ? "institutions=3, the person's chronic diseases on each"
                     : "two clinics and a dental clinic (not 医科)");
      if (near == 0)
        anomalous_person(person, last, "multi_institution");
    }
  }

  // Two clinics on the same day; the near miss on consecutive days.
  for (size_t i = 0; i < count(b.same_day_visits); ++i) {
    for (int near = 0; near < 2; ++near) {
      if (!take(person))
        break;
      const auto clinics = distinct(clinics_out_, 2);
      const unsigned shared = 10, other = near == 0 ? 10 : 11;
      care_plan a, c;
      a.visits = c.visits = 2;
      a.no_prescriptions = c.no_prescriptions = true;
      a.required_days = bit(3) | bit(shared);
      c.required_days = bit(other) | bit(20);
      visit(last, person, clinics[0], std::move(a));
      visit(last, person, clinics[1], std::move(c));
      find("SAME_DAY_VISITS", near == 0, person, last, "", 0, near == 0 ? "same_day" : "same_day_near_miss",
           near == 0 ? "day 10 at " + key(clinics[0]) + " and " + key(clinics[1])
                     : "days 10 and 11 at two clinics");
      if (near == 0)
        anomalous_person(person, last, "same_day");
    }
  }

  // Polypharmacy: three oral drugs of 28 days from each of two clinics; the near miss three and two.
  for (size_t i = 0; i < count(b.polypharmacy) && plain_.size() >= 6; ++i) {
    for (int near = 0; near < 2; ++near) {
      if (!take(person))
        break;
      const auto drugs = distinct_drugs(plain_, near == 0 ? 6 : 5);
      const auto clinics = distinct(all_clinics, 2);
      std::vector<uint32_t> used;
      std::vector<planned_drug> first, second;
      for (size_t k = 0; k < drugs.size(); ++k)
        (k < 3 ? first : second).push_back({drugs[k]->code, 28});
      prescribe(last, person, clinics[0], 5, first, used);
      prescribe(last, person, clinics[1], 12, second, used);
      find("POLYPHARMACY", near == 0, person, last, "", 0, near == 0 ? "polypharmacy" : "polypharmacy_near_miss",
           "drugs=" + std::to_string(drugs.size()) + " of 28 days, prescribers=2");
      if (near == 0)
        anomalous_person(person, last, "polypharmacy");
    }
  }

  // Long prescriptions, each one day over its limit, and near misses at the limit.
  struct over {
    const drug_item* drug;
    unsigned limit;
    const char* what;
  };
  const over kinds[] = {{psychotropic_with_limit(30), 30, "psychotropic_30_day_limit"},
                        {psychotropic_with_limit(14), 14, "psychotropic_14_day_limit"},
                        {drug_of(plain_), 90, "drug_90_day_limit"}};
  for (size_t i = 0; i < count(b.long_prescriptions); ++i)
    for (const over& k : kinds)
      for (int near = 0; near < 2 && k.drug != nullptr; ++near) {
        if (!take(person))
          break;
        const unsigned days = near == 0 ? k.limit + 1 : k.limit;
        std::vector<uint32_t> used;
        const uint32_t at = prescribe(last, person, any_of(all_clinics), 7, {{k.drug->code, static_cast<uint16_t>(days)}},
                                      used);
        find("LONG_PRESCRIPTION", near == 0, person, last, "", at,
             near == 0 ? k.what : "long_prescription_near_miss",
             "drug=" + std::to_string(k.drug->code) + " days=" + std::to_string(days) + " limit="
               + std::to_string(k.limit));
      }

  // A brand whose 一般名 has a 後発品; the near miss a brand without one.
  for (size_t i = 0; i < count(b.brand_over_generic); ++i)
    for (int near = 0; near < 2; ++near) {
      const drug_item* d = drug_of(near == 0 ? brands_ : plain_brands_);
      if (d == nullptr || !take(person))
        continue;
      std::vector<uint32_t> used;
      const uint32_t at = prescribe(last, person, any_of(all_clinics), 7, {{d->code, 28}}, used);
      find("BRAND_OVER_GENERIC", near == 0, person, last, "", at,
           near == 0 ? "brand_over_generic" : "brand_without_generic", "drug=" + std::to_string(d->code));
    }

  // Stays of 180 days at the end of the last month, and of 179.
  const int64_t end = day_number(last_day_of(add_months(first_month_, static_cast<int>(last))));
  for (size_t i = 0; i < count(b.long_stays); ++i)
    for (int near = 0; near < 2; ++near) {
      if (!take(person))
        break;
      const uint32_t hospital = any_of(hospitals_);
      const int64_t days = near == 0 ? 180 : 179;
      const uint32_t admission = from_day_number(end - days);
      for (size_t m = 0; m < months_; ++m) {
        if (admission > last_day_of(add_months(first_month_, static_cast<int>(m))))
          continue;
        claim c = make_claim(person, hospital, receipt_kind::medical, true);
        c.admission = admission;
        c.plan = add_plan({});
        plan_.claims[m].push_back(c);
      }
      find("LONG_STAY", near == 0, person, last, key(hospital), 0, near == 0 ? "long_stay" : "long_stay_near_miss",
           "admission=" + iso_date(admission) + " days=" + std::to_string(days));
    }

  // A pharmacy fills a prescription of a clinic the person never saw that month.
  for (size_t i = 0; i < count(b.dispensing_without_prescription) && !plain_.empty(); ++i) {
    if (!take(person))
      break;
    const uint32_t prescriber = any_of(clinics_out_);
    const uint32_t at = dispense(last, person, any_of(pharmacies_), prescriber, {{drug_of(plain_)->code, 14}});
    find("DISPENSING_WITHOUT_PRESCRIPTION", true, person, last, "", at, "dispensing_without_prescription",
         "prescriber=" + key(prescriber));
  }

  // A 処方箋 never filled (decided once the next month is held); the near miss filled next month.
  for (size_t i = 0; months_ >= 2 && i < count(b.prescriptions_not_dispensed) && !plain_.empty(); ++i)
    for (int near = 0; near < 2; ++near) {
      if (!take(person))
        break;
      const uint32_t clinic = any_of(clinics_out_);
      care_plan p;
      p.visits = 1;
      p.prescription_slip = true;
      const uint32_t at = visit(last - 1, person, clinic, p);
      if (near == 1) {
        visit(last, person, clinic, p);
        dispense(last, person, any_of(pharmacies_), clinic, {{drug_of(plain_)->code, 14}});
      }
      find("PRESCRIPTION_NOT_DISPENSED", near == 0, person, last - 1, "", at,
           near == 0 ? "prescription_not_dispensed" : "prescription_dispensed_next_month",
           near == 0 ? "処方箋料, no 調剤 in this month or the next"
                     : "処方箋料, filled in " + iso_month(add_months(first_month_, static_cast<int>(last))));
    }

  // Care another 公費 covers, billed to 生活保護 alone: dialysis (15 更生医療)
  // and psychiatric outpatient care (21 精神通院), with the scheme held and without.
  for (size_t i = 0; i < count(b.other_scheme); ++i) {
    for (const uint8_t law : {uint8_t{15}, uint8_t{21}})
      for (int held = 1; held >= 0; --held) {
        if (!take(person))
          break;
        care_plan p;
        p.no_prescriptions = true;
        uint32_t inst = 0;
        if (law == 15) {
          p.visits = 13;
          p.dialysis = true;
          inst = any_of(hospitals_);
        } else {
          p.visits = 3;
          p.psychotherapy = true;
          inst = any_of(psychiatric_clinics_);
        }
        const uint32_t at = visit(last, person, inst, std::move(p));
        const std::string marker = law == 15 ? "人工腎臓" : "通院精神療法";
        if (held == 1) {
          plan_.schemes.emplace_back(person, law);
          find("OTHER_SCHEME_FIRST", true, person, last, "", at, law == 15 ? "dialysis_scheme_held" : "psychiatric_scheme_held",
               "law=" + std::to_string(law) + " marker=" + marker + ", billed to 12 alone");
        } else {
          find("OTHER_SCHEME_CANDIDATE", true, person, last, "", 0,
               law == 15 ? "dialysis_without_scheme" : "psychiatric_without_scheme",
               "law=" + std::to_string(law) + " marker=" + marker + ", no scheme held");
        }
      }
    // Near miss: psychiatric care billed with its KO 21.
    for (uint32_t candidate : with_other_) {
      const int32_t other = pop_.people[candidate].other;
      if (plan_.reserved_people[candidate] || pop_.other_publics[static_cast<size_t>(other)].law != 21)
        continue;
      plan_.reserved_people[candidate] = true;
      care_plan c;
      c.visits = 3;
      c.psychotherapy = true;
      c.no_prescriptions = true;
      const uint32_t at = visit(last, candidate, any_of(psychiatric_clinics_), std::move(c));
      find("OTHER_SCHEME_FIRST", false, candidate, last, "", at, "psychiatric_billed_with_scheme",
           "law=21 marker=通院精神療法, KO 21 on the receipt");
      find("OTHER_SCHEME_CANDIDATE", false, candidate, last, "", 0, "psychiatric_billed_with_scheme",
           "law=21 held and billed");
      break;
    }
  }
  return std::move(plan_);
}

} // namespace

void set_all(behaviour_options& b, size_t n) {
  for (size_t* c : {&b.frequent_visitors, &b.psychotropic_shoppers, &b.multi_institution, &b.same_day_visits,
                    &b.polypharmacy, &b.long_prescriptions, &b.brand_over_generic, &b.long_stays,
                    &b.dispensing_without_prescription, &b.prescriptions_not_dispensed, &b.other_scheme,
                    &b.frequent_clinic_patients, &b.upcoding_clinic_patients})
    *c = n;
}

bool set_count(behaviour_options& b, std::string_view name, size_t n) {
  const std::pair<const char*, size_t*> names[] = {
    {"frequent_visitors", &b.frequent_visitors},
    {"psychotropic_shoppers", &b.psychotropic_shoppers},
    {"multi_institution", &b.multi_institution},
    {"same_day_visits", &b.same_day_visits},
    {"polypharmacy", &b.polypharmacy},
    {"long_prescriptions", &b.long_prescriptions},
    {"brand_over_generic", &b.brand_over_generic},
    {"long_stays", &b.long_stays},
    {"dispensing_without_prescription", &b.dispensing_without_prescription},
    {"prescriptions_not_dispensed", &b.prescriptions_not_dispensed},
    {"other_scheme", &b.other_scheme},
    {"frequent_clinic_patients", &b.frequent_clinic_patients},
    {"upcoding_clinic_patients", &b.upcoding_clinic_patients},
  };
  for (const auto& [known, count] : names)
    if (name == known) {
      *count = n;
      return true;
    }
  return false;
}

behaviour_plan plan_behaviours(const behaviour_options& b, uint64_t seed, uint32_t first_month, size_t months,
                               size_t receipts, const population& pop, const catalog& codes,
                               const master::master_set* masters, const feed_options& feed) {
  behaviour_planner planner{seed, first_month, months, pop, codes, masters, feed};
  return planner.run(b, receipts);
}

std::vector<claim> plan_background(uint64_t seed, uint32_t first_month, size_t months, size_t index, size_t receipts,
                                   const population& pop, const behaviour_plan& reserved) {
  std::vector<claim> claims;
  claims.reserve(receipts);
  const pools where = make_pools(pop, reserved.reserved_institutions);
  if (where.outpatient.empty() || where.pharmacies.empty() || where.dentists.empty() || where.secondary.empty())
    return claims;
  const uint32_t month = add_months(first_month, static_cast<int>(index));
  const unsigned month_days = days_in_month(month);
  const uint32_t first_day = first_month * 100 + 1;
  const int64_t first_number = day_number(first_day);
  const int64_t end_number = day_number(last_day_of(add_months(first_month, static_cast<int>(months - 1))));
  const int64_t month_end = day_number(last_day_of(month));

  // The people: not reserved, born by the first day (a ticket cannot cover care before birth).
  std::vector<uint32_t> order;
  for (uint32_t i = 0; i < pop.people.size(); ++i)
    if (!(i < reserved.reserved_people.size() && reserved.reserved_people[i]) && pop.people[i].birth_date <= first_day)
      order.push_back(i);
  rng shuffle{derive_seed(seed, order_stream + index)};
  for (size_t k = order.size(); k > 1; --k)
    std::swap(order[k - 1], order[static_cast<size_t>(shuffle.below(k))]);

  // Who a person is, the same every month: inpatient or outpatient, and where.
  struct profile {
    bool inpatient = false, dpc = false, second = false, dental = false;
    uint32_t primary = 0, secondary = 0, pharmacy = 0, dentist = 0;
    uint32_t admission = 0;
  };
  auto profile_of = [&](uint32_t id) {
    const person& p = pop.people[id];
    const uint8_t prefecture = pop.offices[p.office].prefecture;
    rng random{derive_seed(derive_seed(seed, profile_stream), id)};
    profile f;
    f.inpatient = !where.hospitals.empty() && random.chance(0.1);
    if (f.inpatient) {
      f.primary = where.hospitals.pick(prefecture, random);
      f.dpc = pop.institutions[f.primary].dpc && random.chance(0.5);
      // In before the first month, or admitted in one of the months; never 180 days by the last.
      const int64_t earliest = std::max(end_number - 179, day_number(p.birth_date));
      int64_t admitted = 0;
      if (random.chance(0.6) && earliest < first_number)
        admitted = first_number - 1 - static_cast<int64_t>(random.below(static_cast<uint64_t>(first_number - earliest)));
      else
        admitted = first_number + static_cast<int64_t>(random.below(static_cast<uint64_t>(end_number - first_number + 1)));
      f.admission = from_day_number(std::max(admitted, earliest));
      return f;
    }
    f.primary = where.outpatient.pick(prefecture, random);
    f.pharmacy = where.pharmacies.pick(prefecture, random);
    f.second = random.chance(0.22);
    f.secondary = where.secondary.pick(prefecture, random);
    if (f.secondary == f.primary)
      f.second = false;
    f.dental = random.chance(0.35);
    f.dentist = where.dentists.pick(prefecture, random);
    return f;
  };

  size_t remaining = receipts;
  std::vector<profile> profiles(order.size());
  for (size_t k = 0; k < order.size(); ++k)
    profiles[k] = profile_of(order[k]);
  // Inpatients first: a stay goes on from month to month.
  for (size_t k = 0; k < order.size() && remaining > 0; ++k) {
    const profile& f = profiles[k];
    if (!f.inpatient || day_number(f.admission) > month_end)
      continue;
    claim c = make_claim(order[k], f.primary, f.dpc ? receipt_kind::dpc : receipt_kind::medical, true);
    c.admission = f.admission;
    claims.push_back(c);
    --remaining;
  }
  std::vector<bool> has_dental(order.size(), false);
  for (size_t k = 0; k < order.size() && remaining > 0; ++k) {
    const profile& f = profiles[k];
    if (f.inpatient)
      continue;
    rng random{derive_seed(derive_seed(seed, visit_stream + index), order[k])};
    const bool active = random.chance(0.93);
    const bool second = f.second && random.chance(0.7);
    const bool dental = f.dental && random.chance(0.5);
    if (!active && !dental)
      continue;
    // A primary institution (with its pharmacy when it prescribes 院外), a
    // second clinic on other days without drugs, a dentist.
    const bool outside = pop.institutions[f.primary].outside_prescriptions;
    const size_t full = (active ? 1 + (outside ? 1 : 0) + (second ? 1 : 0) : 0) + (dental ? 1 : 0);
    const size_t core = active ? 1 + (outside ? 1 : 0) : 1;
    if (core > remaining)
      continue;
    const bool all = full <= remaining;
    const uint32_t month_mask = days_up_to(month_days);
    const uint32_t primary_days = draw_days(random, 14, month_mask);
    if (active) {
      claim c = make_claim(order[k], f.primary, receipt_kind::medical, false);
      c.days = primary_days;
      claims.push_back(c);
      if (outside) {
        claim rx = make_claim(order[k], f.pharmacy, receipt_kind::pharmacy, false);
        rx.prescriber = f.primary;
        claims.push_back(rx);
      }
      if (second && all) {
        claim s = make_claim(order[k], f.secondary, receipt_kind::medical, false);
        s.days = draw_days(random, 14, month_mask & ~primary_days);
        s.plan = reserved.no_drugs; // one prescriber a month: no drugs here
        claims.push_back(s);
      }
    }
    if (dental && (all || !active)) {
      claims.push_back(make_claim(order[k], f.dentist, receipt_kind::dental, false));
      has_dental[k] = true;
    }
    remaining -= claims.size() - (receipts - remaining);
  }
  // Short of the count: a dental visit for people without one.
  for (size_t k = 0; k < order.size() && remaining > 0; ++k) {
    if (profiles[k].inpatient || has_dental[k])
      continue;
    claims.push_back(make_claim(order[k], profiles[k].dentist, receipt_kind::dental, false));
    --remaining;
  }
  return claims;
}


// --- the scenario ------------------------------------------------------------------


namespace {

namespace fs = std::filesystem;

// Stream tags: the scenario's draws apart from the month's.
constexpr uint64_t defect_stream = 0x64656663;    // "defc"
constexpr uint64_t duplicate_stream = 0x64757063; // "dupc"

// Where a receipt is: the contract's source_file (name) and source_line.
struct receipt_location {
  std::string file;
  uint32_t line = 0;
};

std::vector<std::string> busiest_programme_25_offices(const std::vector<claim>& claims, const population& pop,
                                                      size_t count) {
  std::vector<size_t> receipts(pop.offices.size(), 0);
  for (const claim& c : claims)
    ++receipts[pop.people[c.person].office];
  std::vector<size_t> offices;
  for (size_t o = 0; o < pop.offices.size(); ++o)
    if (pop.offices[o].law == 25 && receipts[o] > 0)
      offices.push_back(o);
  std::stable_sort(offices.begin(), offices.end(), [&](size_t a, size_t b) { return receipts[a] > receipts[b]; });
  std::vector<std::string> out;
  for (size_t k = 0; k < offices.size() && k < count; ++k)
    out.push_back(pop.offices[offices[k]].payer_no);
  return out;
}

// Plants the receipt-side defects in receipts of people with one receipt
// this month, at offices that supply tickets, so that no other receipt and
// no feed-side injection can meet them.
void plant_receipt_defects(std::vector<claim>& claims, const scenario_request& request, uint64_t seed,
                           const feed_options& feed, const population& pop) {
  std::vector<uint32_t> claims_of_person(pop.people.size(), 0);
  for (const claim& c : claims)
    ++claims_of_person[c.person];
  auto supplies_tickets = [&](const claim& c) {
    const auto& no = feed.offices_without_tickets;
    return std::find(no.begin(), no.end(), pop.offices[pop.people[c.person].office].payer_no) == no.end();
  };
  std::vector<size_t> candidates;
  for (size_t i = 0; i < claims.size(); ++i)
    if (claims_of_person[claims[i].person] == 1 && supplies_tickets(claims[i])
        && !(claims[i].person < feed.untouched_people.size() && feed.untouched_people[claims[i].person]))
      candidates.push_back(i);
  rng random{derive_seed(seed, defect_stream)};
  for (size_t k = candidates.size(); k > 1; --k)
    std::swap(candidates[k - 1], candidates[static_cast<size_t>(random.below(k))]);

  // A wrong 検証番号 hides the person's number: the matcher must find them by
  // name, so only people alone with their name in the office qualify.
  const std::vector<bool> identifiable = identifiable_by_name(pop);
  size_t wrong = case_count(request.wrong_check_digit_rate, claims.size(), feed.at_least_one_from);
  size_t twice = case_count(request.duplicate_claim_rate, claims.size(), feed.at_least_one_from);
  std::vector<bool> duplicated(claims.size(), false);
  for (size_t i : candidates) {
    if (wrong > 0 && identifiable[claims[i].person]) {
      claims[i].defect = receipt_defect::wrong_check_digit;
      --wrong;
    } else if (twice > 0) {
      duplicated[i] = true;
      --twice;
    }
  }
  // The duplicate follows its first in the plan, so it is the later receipt
  // of the same file; its own stream makes it another receipt of the month.
  std::vector<claim> planted;
  planted.reserve(claims.size() + static_cast<size_t>(std::count(duplicated.begin(), duplicated.end(), true)));
  for (size_t i = 0; i < claims.size(); ++i) {
    planted.push_back(claims[i]);
    if (duplicated[i]) {
      claim again = claims[i];
      again.seed = derive_seed(claims[i].seed, duplicate_stream);
      planted.push_back(again);
    }
  }
  claims = std::move(planted);
}

// 1-based lines of the receipts of a file: RE records, or MN on the payer
// side (データ識別, 行番号, 枝番号 before the record id).
expected<std::vector<uint32_t>> receipt_lines(const fs::path& path, bool payer_side) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(ec::io_error, path.string() + ": cannot read");
  std::vector<uint32_t> lines;
  std::string text;
  for (uint32_t number = 1; std::getline(in, text); ++number) {
    size_t at = 0;
    for (int field = 0; payer_side && field < 3 && at != std::string::npos; ++field) {
      at = text.find(',', at);
      if (at != std::string::npos)
        ++at;
    }
    if (at != std::string::npos && text.compare(at, 3, payer_side ? "MN," : "RE,") == 0)
      lines.push_back(number);
  }
  return lines;
}

expected<std::vector<file_info>> write_receipt_files(const options& opts, const catalog& codes, const population& pop,
                                                     const std::vector<claim>& claims, const fs::path& dir,
                                                     std::vector<receipt_location>& where) {
  std::error_code failure;
  fs::create_directories(dir, failure);
  if (failure)
    return make_error(ec::io_error, dir.string() + ": " + failure.message());
  where.assign(claims.size(), {});
  std::vector<file_info> files;
  for (size_t first = 0; first < claims.size();) {
    // One file per kind (payer side) or per kind and institution, as generate_month() writes them.
    size_t last = first;
    while (last < claims.size() && claims[last].kind == claims[first].kind
           && (opts.payer_side || claims[last].institution == claims[first].institution))
      ++last;
    const model::receipt_kind kind = claims[first].kind;
    const std::string name =
      opts.payer_side ? payer_file_name(kind) : file_name(pop.institutions[claims[first].institution], kind);
    const fs::path path = dir / name;
    std::FILE* out = std::fopen(path.string().c_str(), "wb");
    if (out == nullptr)
      return make_error(ec::io_error, path.string() + ": " + std::strerror(errno));
    const std::vector<claim> group(claims.begin() + static_cast<std::ptrdiff_t>(first),
                                   claims.begin() + static_cast<std::ptrdiff_t>(last));
    auto info = write_receipts(out, kind, group, opts, codes, pop);
    if (std::fclose(out) != 0 && info)
      return make_error(ec::io_error, path.string() + ": " + std::strerror(errno));
    if (!info)
      return info.error_value();
    info->path = path;
    auto lines = receipt_lines(path, opts.payer_side);
    if (!lines)
      return lines.error_value();
    if (lines->size() != group.size())
      return make_error(ec::unexpected, path.string() + ": " + std::to_string(lines->size()) + " receipts found, "
                                          + std::to_string(group.size()) + " written");
    for (size_t k = 0; k < group.size(); ++k)
      where[first + k] = {name, (*lines)[k]};
    files.push_back(std::move(*info));
    first = last;
  }
  return files;
}

error write_status_file(const fs::path& path, const std::vector<receipt_location>& where,
                        const std::vector<match_status>& statuses) {
  std::ofstream out{path, std::ios::binary};
  out << "file,line,match_status\n";
  for (size_t i = 0; i < where.size(); ++i)
    out << where[i].file << ',' << where[i].line << ',' << to_string(statuses[i]) << '\n';
  out.close();
  if (!out)
    return make_error(ec::io_error, path.string() + ": cannot write");
  return {};
}

// A CSV value, quoted where it must be (details may hold commas).
std::string csv_value(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos)
    return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"')
      quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

error write_truth(const fs::path& path, const std::vector<injected_case>& cases) {
  std::ofstream out{path, std::ios::binary};
  out << "file,line,office_no,recipient_no,month,institution,expected_status,first_delivery_status,injection,"
         "person_id,ticket_id,detail\n";
  for (const injected_case& k : cases) {
    char month[8];
    format_month(k.month, month);
    out << k.file << ',' << k.line << ',' << k.office_no << ',' << k.recipient_no << ',' << month << ','
        << k.institution << ',' << to_string(k.expected) << ',' << to_string(k.first_delivery) << ','
        << to_string(k.what) << ',' << k.person_id << ',' << k.ticket_id << ',' << csv_value(k.detail) << '\n';
  }
  out.close();
  if (!out)
    return make_error(ec::io_error, path.string() + ": cannot write");
  return {};
}


// Person-level feed injections change recipients.csv: their rows come from
// the month that injected them.
bool changes_listing(injection what) {
  switch (what) {
    case injection::protection_ended:
    case injection::protection_starts_late:
    case injection::protection_gap:
    case injection::variant_kanji:
    case injection::birth_date_differs:
    case injection::unknown_recipient:
      return true;
    default:
      return false;
  }
}

expected<std::vector<std::string>> read_lines(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(ec::io_error, path.string() + ": cannot read");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(std::move(line));
  return lines;
}

error write_lines(const fs::path& path, const std::vector<std::string>& lines) {
  std::ofstream out{path, std::ios::binary};
  for (const auto& line : lines)
    out << line << '\n';
  out.close();
  if (!out)
    return make_error(ec::io_error, path.string() + ": cannot write");
  return {};
}

// person_id of a recipients.csv row: the second field (office_no and person_id are never quoted).
std::string second_field(const std::string& line) {
  const size_t a = line.find(',');
  const size_t b = a == std::string::npos ? a : line.find(',', a + 1);
  return b == std::string::npos ? std::string{} : line.substr(a + 1, b - a - 1);
}

// One feed of several months from the feeds each month's planner wrote:
// tickets of every month; recipients and other schemes of the first, but a
// person a later month's planner listed differently keeps that month's rows.
error merge_feeds(const std::vector<fs::path>& dirs, const std::vector<std::set<std::string>>& relisted,
                  const fs::path& out) {
  for (const char* name : {"tickets.csv", "tickets_late.csv"}) {
    std::vector<std::string> merged;
    for (size_t k = 0; k < dirs.size(); ++k) {
      auto lines = read_lines(dirs[k] / name);
      if (!lines)
        return lines.error_value();
      merged.insert(merged.end(), lines->begin() + (k == 0 || lines->empty() ? 0 : 1), lines->end());
    }
    if (auto err = write_lines(out / name, merged))
      return err;
  }
  std::vector<std::vector<std::string>> recipients;
  for (const auto& dir : dirs) {
    auto lines = read_lines(dir / "recipients.csv");
    if (!lines)
      return lines.error_value();
    recipients.push_back(std::move(*lines));
  }
  auto rows_of = [&](size_t k, const std::string& id) {
    std::vector<std::string> rows;
    for (size_t i = 1; i < recipients[k].size(); ++i)
      if (second_field(recipients[k][i]) == id)
        rows.push_back(recipients[k][i]);
    return rows;
  };
  std::vector<std::string> merged;
  std::set<std::string> done;
  for (size_t i = 0; i < recipients[0].size(); ++i) {
    const std::string id = i == 0 ? std::string{} : second_field(recipients[0][i]);
    size_t from = 0;
    for (size_t k = 1; k < dirs.size(); ++k)
      if (relisted[k].count(id) != 0)
        from = k;
    if (from == 0) {
      merged.push_back(recipients[0][i]);
    } else if (done.insert(id).second) {
      const auto rows = rows_of(from, id);
      merged.insert(merged.end(), rows.begin(), rows.end());
    }
  }
  if (auto err = write_lines(out / "recipients.csv", merged))
    return err;
  std::error_code failure;
  fs::copy_file(dirs[0] / "other_schemes.csv", out / "other_schemes.csv", fs::copy_options::overwrite_existing,
                failure);
  if (failure)
    return make_error(ec::io_error, (out / "other_schemes.csv").string() + ": " + failure.message());
  return {};
}

error write_ticket_use_truth(const fs::path& path, const std::vector<ticket_truth>& tickets) {
  std::ofstream out{path, std::ios::binary};
  out << "ticket_id,office_no,person_id,month,institution,care_type,use_status,injection,detail\n";
  for (const ticket_truth& t : tickets)
    out << t.ticket_id << ',' << t.office_no << ',' << t.person_id << ',' << iso_month(t.month) << ','
        << t.institution << ',' << int{t.care} << ',' << t.use_status << ',' << t.injection << ','
        << csv_value(t.detail) << '\n';
  out.close();
  if (!out)
    return make_error(ec::io_error, path.string() + ": cannot write");
  return {};
}

error write_behaviour_truth(const fs::path& path, const std::vector<behaviour_finding>& findings,
                            const std::vector<uint32_t>& months, const population& pop) {
  std::ofstream out{path, std::ios::binary};
  out << "code,expected,office_no,person_id,month,institution,file,line,injection,detail\n";
  for (const auto& f : findings) {
    out << f.code << ',' << (f.expected ? 1 : 0) << ',' << pop.offices[pop.people[f.person].office].payer_no << ','
        << person_id_of(f.person) << ',' << iso_month(months[f.month]) << ',' << f.institution << ',' << f.file
        << ',';
    if (f.line != 0)
      out << f.line;
    out << ',' << f.injection << ',' << csv_value(f.detail) << '\n';
  }
  out.close();
  if (!out)
    return make_error(ec::io_error, path.string() + ": cannot write");
  return {};
}

error write_anomaly_truth(const fs::path& path, const std::vector<anomaly_subject>& subjects,
                          const std::vector<uint32_t>& months, const population& pop) {
  std::ofstream out{path, std::ios::binary};
  out << "subject_type,office_no,person_id,institution,month,injection\n";
  for (const auto& a : subjects) {
    if (a.institution)
      out << "institution,,," << a.key;
    else
      out << "person," << pop.offices[pop.people[a.person].office].payer_no << ',' << person_id_of(a.person) << ',';
    out << ',' << iso_month(months[a.month]) << ',' << a.injection << '\n';
  }
  out.close();
  if (!out)
    return make_error(ec::io_error, path.string() + ": cannot write");
  return {};
}

} // namespace

expected<scenario_result> generate_scenario(const scenario_request& request) {
  const options& first = request.month;
  if (request.months < 1 || request.months > 12)
    return make_error(ec::invalid_argument, "months must lie in 1..12: " + std::to_string(request.months));
  if (days_in_month(first.month) == 0 || first.month / 100 < 1990)
    return make_error(ec::invalid_argument, "診療年月 must be YYYYMM: " + std::to_string(first.month));
  population_options people;
  people.seed = first.seed;
  people.receipts = first.receipts;
  people.reference_month = first.month;
  people.offices = request.offices;
  people.prefectures = request.prefectures;
  const population pop = make_population(people);
  const catalog codes = request.masters ? catalog_from_masters(*request.masters, first.seed) : builtin_catalog();
  const size_t months = request.months;

  scenario_result result;
  for (size_t k = 0; k < months; ++k)
    result.months.push_back(add_months(first.month, static_cast<int>(k)));
  // Behaviours first: they reserve their people and institutions; the background fills each month up to the count.
  behaviour_plan behaviours = plan_behaviours(request.behaviours, first.seed, first.month, months, first.receipts, pop,
                                              codes, request.masters, request.feed);
  std::vector<std::vector<claim>> claims(months);
  std::vector<options> opts(months, first);
  std::vector<uint8_t> months_of_person(pop.people.size(), 0);
  for (size_t k = 0; k < months; ++k) {
    opts[k].month = result.months[k];
    opts[k].clean = true;
    opts[k].plans = &behaviours.plans;
    opts[k].seed = k == 0 ? first.seed : derive_seed(first.seed, k);
    claims[k] = std::move(behaviours.claims[k]);
    const size_t planned = claims[k].size();
    auto background = plan_background(first.seed, first.month, months, k,
                                      first.receipts > planned ? first.receipts - planned : 0, pop, behaviours);
    claims[k].insert(claims[k].end(), background.begin(), background.end());
    finish_claims(claims[k], opts[k].seed);
    result.claims_reassigned += reassign_unmatchable_claims(claims[k], pop, opts[k].month);
    std::vector<bool> seen(pop.people.size(), false);
    for (const claim& c : claims[k])
      if (!seen[c.person]) {
        seen[c.person] = true;
        ++months_of_person[c.person];
      }
  }

  feed_options feed = request.feed;
  feed.reference_month = first.month;
  feed.last_month = result.months.back();
  result.offices_without_tickets =
    busiest_programme_25_offices(claims[0], pop, request.programme_25_offices_without_tickets);
  feed.offices_without_tickets.insert(feed.offices_without_tickets.end(), result.offices_without_tickets.begin(),
                                      result.offices_without_tickets.end());
  feed.untouched_people = behaviours.reserved_people;
  if (months > 1) {
    feed.fixed_listing_people.assign(pop.people.size(), false);
    for (size_t i = 0; i < pop.people.size(); ++i)
      feed.fixed_listing_people[i] = months_of_person[i] > 1;
    feed.last_month_people.assign(pop.people.size(), false);
    for (const claim& c : claims.back())
      feed.last_month_people[c.person] = true;
  }

  result.receipts_dir = request.out_dir / "receipts";
  result.feed_dir = request.out_dir / "feed";
  std::vector<receipt_location> all_where;
  std::vector<match_status> expected_all, first_delivery_all;
  std::vector<fs::path> feed_dirs;
  std::vector<std::set<std::string>> relisted(months);
  std::vector<std::vector<receipt_location>> plan_where(months,
                                                        std::vector<receipt_location>(behaviours.plans.size() + 1));
  for (size_t k = 0; k < months; ++k) {
    plant_receipt_defects(claims[k], request, opts[k].seed, feed, pop);
    const std::string prefix = months == 1 ? std::string{} : iso_month(opts[k].month) + "/";
    const fs::path dir = months == 1 ? result.receipts_dir : result.receipts_dir / iso_month(opts[k].month);
    std::vector<receipt_location> where;
    auto files = write_receipt_files(opts[k], codes, pop, claims[k], dir, where);
    if (!files)
      return files.error_value();
    for (auto& loc : where)
      loc.file = prefix + loc.file;
    for (file_info& f : *files) {
      result.receipts += f.receipts;
      result.files.push_back(std::move(f));
    }
    const fs::path feed_dir = months == 1 ? result.feed_dir : result.feed_dir / (".month-" + iso_month(opts[k].month));
    feed_dirs.push_back(feed_dir);
    auto truth = write_office_feed(opts[k], feed, codes, pop, claims[k], feed_dir);
    if (!truth)
      return truth.error_value();
    for (injected_case& c : truth->cases) {
      c.file = where[c.claim].file;
      c.line = where[c.claim].line;
      if (changes_listing(c.what))
        relisted[k].insert(c.person_id);
      result.cases.push_back(std::move(c));
    }
    result.ticket_uses.insert(result.ticket_uses.end(), std::make_move_iterator(truth->ticket_uses.begin()),
                              std::make_move_iterator(truth->ticket_uses.end()));
    for (size_t i = 0; i < claims[k].size(); ++i)
      if (claims[k][i].plan != 0 && plan_where[k][claims[k][i].plan].line == 0)
        plan_where[k][claims[k][i].plan] = where[i];
    all_where.insert(all_where.end(), where.begin(), where.end());
    expected_all.insert(expected_all.end(), truth->expected.begin(), truth->expected.end());
    first_delivery_all.insert(first_delivery_all.end(), truth->first_delivery.begin(), truth->first_delivery.end());
  }
  if (months > 1) {
    if (auto err = merge_feeds(feed_dirs, relisted, result.feed_dir))
      return err;
    for (const auto& dir : feed_dirs) {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  }
  if (!behaviours.schemes.empty()) {
    // The schemes behaviours hold, since a year before the first month.
    std::ofstream out{result.feed_dir / "other_schemes.csv", std::ios::binary | std::ios::app};
    const uint32_t since = add_months(first.month, -12);
    for (const auto& [person, law] : behaviours.schemes)
      out << person_id_of(person) << ',' << pop.offices[pop.people[person].office].payer_no << ',' << int{law} << ','
          << iso_date(since * 100 + 1) << ",\n";
    out.close();
    if (!out)
      return make_error(ec::io_error, (result.feed_dir / "other_schemes.csv").string() + ": cannot write");
  }

  for (behaviour_finding& f : behaviours.findings)
    if (f.plan != 0) {
      f.file = plan_where[f.month][f.plan].file;
      f.line = plan_where[f.month][f.plan].line;
    }
  result.findings = std::move(behaviours.findings);
  result.anomalies = std::move(behaviours.anomalies);

  if (auto err = write_truth(request.out_dir / "truth.csv", result.cases))
    return err;
  if (auto err = write_status_file(request.out_dir / "expected_status.csv", all_where, expected_all))
    return err;
  if (auto err = write_status_file(request.out_dir / "expected_status_first_delivery.csv", all_where,
                                   first_delivery_all))
    return err;
  if (auto err = write_ticket_use_truth(request.out_dir / "ticket_use_truth.csv", result.ticket_uses))
    return err;
  if (auto err = write_behaviour_truth(request.out_dir / "behaviour_truth.csv", result.findings, result.months, pop))
    return err;
  if (auto err = write_anomaly_truth(request.out_dir / "anomaly_truth.csv", result.anomalies, result.months, pop))
    return err;
  return result;
}

} // namespace receptor::synth
