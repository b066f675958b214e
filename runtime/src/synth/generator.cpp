#include "receptor/synth/generator.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>
#include <system_error>

#include "receipt_writer.hpp"

namespace receptor::synth {

namespace {

using model::receipt_kind;

// Stream tags: planning draws apart from everything else.
constexpr uint64_t plan_stream = 0x706c616e;   // "plan"
constexpr uint64_t claim_stream = 0x636c6d00;  // "clm" + index

bool serves(const institution& inst, receipt_kind kind, bool inpatient) {
  switch (kind) {
    case receipt_kind::medical:
      return inpatient ? inst.type == facility::hospital
                       : inst.type == facility::clinic || inst.type == facility::hospital;
    case receipt_kind::dpc:
      return inst.type == facility::hospital && inst.dpc;
    case receipt_kind::dental:
      return inst.type == facility::dental_clinic;
    case receipt_kind::pharmacy:
      return inst.type == facility::pharmacy;
    default:
      return false;
  }
}

// Splits `n` by `weights` exactly: floors first, then the largest remainders.
template <size_t N>
std::array<size_t, N> split(size_t n, const std::array<double, N>& weights) {
  double sum = 0;
  for (double w : weights)
    sum += std::max(w, 0.0);
  std::array<size_t, N> parts{};
  if (sum <= 0) {
    parts[0] = n;
    return parts;
  }
  std::array<double, N> remainders{};
  size_t given = 0;
  for (size_t i = 0; i < N; ++i) {
    const double exact = static_cast<double>(n) * std::max(weights[i], 0.0) / sum;
    parts[i] = static_cast<size_t>(exact);
    remainders[i] = exact - static_cast<double>(parts[i]);
    given += parts[i];
  }
  while (given < n) {
    size_t best = 0;
    for (size_t i = 1; i < N; ++i)
      if (remainders[i] > remainders[best])
        best = i;
    ++parts[best];
    remainders[best] = -1;
    ++given;
  }
  return parts;
}

uint64_t gcd(uint64_t a, uint64_t b) {
  while (b != 0) {
    const uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// Adds `count` claims of one kind to `out`: institutions drawn by weight
// (or the one given), people of the institution's prefecture without
// repeats (a walk with a stride prime to the pool size) while there are enough.
void add_claims(std::vector<claim>& out, receipt_kind kind, bool inpatient, size_t count, const population& pop,
                int64_t institution, rng& random) {
  if (count == 0)
    return;
  std::vector<uint32_t> eligible;
  std::vector<uint64_t> cumulative;
  if (institution >= 0) {
    eligible.push_back(static_cast<uint32_t>(institution));
    cumulative.push_back(1);
  } else {
    uint64_t total = 0;
    for (uint32_t i = 0; i < pop.institutions.size(); ++i)
      if (serves(pop.institutions[i], kind, inpatient)) {
        eligible.push_back(i);
        total += std::max<uint32_t>(pop.institutions[i].weight, 1);
        cumulative.push_back(total);
      }
  }
  if (eligible.empty())
    return;
  std::vector<size_t> per_institution(eligible.size(), 0);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t r = random.below(cumulative.back());
    ++per_institution[static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), r)
                                          - cumulative.begin())];
  }
  // 調剤: the prescriber is a 医科 institution of the same prefecture.
  std::vector<std::vector<uint32_t>> prescribers;
  std::vector<uint32_t> any_prescriber;
  if (kind == receipt_kind::pharmacy) {
    prescribers.resize(48);
    for (uint32_t i = 0; i < pop.institutions.size(); ++i) {
      const auto& inst = pop.institutions[i];
      if (inst.table == 1 && inst.outside_prescriptions) {
        prescribers[inst.prefecture].push_back(i);
        any_prescriber.push_back(i);
      }
    }
    if (any_prescriber.empty())
      for (uint32_t i = 0; i < pop.institutions.size(); ++i)
        if (pop.institutions[i].table == 1)
          any_prescriber.push_back(i);
  }
  std::vector<uint32_t> everyone;
  for (size_t e = 0; e < eligible.size(); ++e) {
    const size_t m = per_institution[e];
    if (m == 0)
      continue;
    const auto& inst = pop.institutions[eligible[e]];
    // Too few people in the prefecture for distinct patients: draw from everyone.
    const std::vector<uint32_t>* pool = &pop.people_by_prefecture[inst.prefecture];
    if (pool->size() < m) {
      if (everyone.empty()) {
        everyone.resize(pop.people.size());
        std::iota(everyone.begin(), everyone.end(), 0u);
      }
      pool = &everyone;
    }
    const uint64_t size = pool->size();
    uint64_t stride = 1;
    if (size > 1)
      do
        stride = 1 + random.below(size - 1);
      while (gcd(stride, size) != 1);
    const uint64_t start = random.below(size);
    const std::vector<uint32_t>* local =
      kind == receipt_kind::pharmacy && !prescribers[inst.prefecture].empty() ? &prescribers[inst.prefecture]
                                                                               : &any_prescriber;
    for (size_t k = 0; k < m; ++k) {
      claim c;
      c.person = (*pool)[static_cast<size_t>((start + k * stride) % size)];
      c.institution = eligible[e];
      c.prescriber = kind == receipt_kind::pharmacy && !local->empty()
                       ? (*local)[random.below(local->size())]
                       : eligible[e];
      c.kind = kind;
      c.inpatient = inpatient || kind == receipt_kind::dpc;
      out.push_back(c);
    }
  }
}

// The options a writer relies on: a real 診療年月 and a share.
error check(const options& opts) {
  const uint32_t year = opts.month / 100, month = opts.month % 100;
  if (year < 1990 || year > 2200 || month < 1 || month > 12)
    return make_error(ec::invalid_argument, "診療年月 must be YYYYMM: " + std::to_string(opts.month));
  if (!(opts.correction_rate >= 0 && opts.correction_rate <= 1))
    return make_error(ec::invalid_argument, "correction_rate must lie in [0, 1]");
  return {};
}

expected<file_info> write_file(detail::receipt_writer& writer, const std::filesystem::path& path, receipt_kind kind,
                               const claim* first, const claim* last) {
  std::FILE* f = std::fopen(path.string().c_str(), "wb");
  if (f == nullptr)
    return make_error(ec::io_error, path.string() + ": " + std::strerror(errno));
  auto info = writer.write(f, kind, first, last);
  if (std::fclose(f) != 0 && info)
    return make_error(ec::io_error, path.string() + ": " + std::strerror(errno));
  if (info)
    info->path = path;
  return info;
}

} // namespace

void finish_claims(std::vector<claim>& claims, uint64_t seed) {
  std::stable_sort(claims.begin(), claims.end(), [](const claim& a, const claim& b) {
    if (a.kind != b.kind)
      return a.kind < b.kind;
    if (a.institution != b.institution)
      return a.institution < b.institution;
    return a.inpatient < b.inpatient;
  });
  for (size_t i = 0; i < claims.size(); ++i)
    claims[i].seed = derive_seed(seed, claim_stream + (uint64_t{i} << 8));
}

std::vector<claim> plan_month(const options& opts, const population& pop) {
  rng random{derive_seed(opts.seed, plan_stream)};
  const auto& s = opts.shares;
  const auto parts =
    split<5>(opts.receipts, {s.medical_outpatient, s.medical_inpatient, s.dpc, s.dental, s.pharmacy});
  std::vector<claim> claims;
  claims.reserve(opts.receipts);
  add_claims(claims, receipt_kind::medical, false, parts[0], pop, -1, random);
  add_claims(claims, receipt_kind::medical, true, parts[1], pop, -1, random);
  add_claims(claims, receipt_kind::dpc, true, parts[2], pop, -1, random);
  add_claims(claims, receipt_kind::dental, false, parts[3], pop, -1, random);
  add_claims(claims, receipt_kind::pharmacy, false, parts[4], pop, -1, random);
  finish_claims(claims, opts.seed);
  return claims;
}

std::vector<claim> plan_claims(receipt_kind kind, size_t receipts, const options& opts, const population& pop,
                               int64_t institution) {
  rng random{derive_seed(opts.seed, plan_stream + static_cast<uint64_t>(kind))};
  std::vector<claim> claims;
  claims.reserve(receipts);
  if (kind == receipt_kind::medical) {
    const bool hospital =
      institution < 0 || pop.institutions[static_cast<size_t>(institution)].type == facility::hospital;
    const double inpatient = hospital ? opts.shares.medical_inpatient : 0;
    const auto parts = split<2>(receipts, {opts.shares.medical_outpatient, inpatient});
    add_claims(claims, kind, false, parts[0], pop, institution, random);
    add_claims(claims, kind, true, parts[1], pop, institution, random);
  } else {
    add_claims(claims, kind, kind == receipt_kind::dpc, receipts, pop, institution, random);
  }
  finish_claims(claims, opts.seed);
  return claims;
}

expected<file_info> write_receipts(std::FILE* out, receipt_kind kind, const std::vector<claim>& claims,
                                   const options& opts, const catalog& codes, const population& pop) {
  if (auto err = check(opts))
    return err;
  detail::receipt_writer writer{opts, codes, pop};
  return writer.write(out, kind, claims.data(), claims.data() + claims.size());
}

std::string file_name(const institution& inst, receipt_kind kind) {
  std::string name;
  name += static_cast<char>('0' + inst.prefecture / 10);
  name += static_cast<char>('0' + inst.prefecture % 10);
  name += static_cast<char>('0' + inst.table);
  name += inst.code;
  switch (kind) {
    case receipt_kind::dpc:
      return name + "_RECEIPTD.UKE";
    case receipt_kind::dental:
      return name + "_RECEIPTS.UKE";
    case receipt_kind::pharmacy:
      return name + "_RECEIPTY.CYO";
    default:
      return name + "_RECEIPTC.UKE";
  }
}

std::string payer_file_name(receipt_kind kind) {
  switch (kind) {
    case receipt_kind::dpc:
      return "12_RECODEINFO_DPC.CSV";
    case receipt_kind::dental:
      return "13_RECODEINFO_DEN.CSV";
    case receipt_kind::pharmacy:
      return "14_RECODEINFO_PHA.CSV";
    default:
      return "11_RECODEINFO_MED.CSV";
  }
}

expected<std::vector<file_info>> generate_month(const options& opts, const catalog& codes, const population& pop,
                                                const std::filesystem::path& dir) {
  if (auto err = check(opts))
    return err;
  std::error_code failure;
  std::filesystem::create_directories(dir, failure);
  if (failure)
    return make_error(ec::io_error, dir.string() + ": " + failure.message());
  const auto claims = plan_month(opts, pop);
  detail::receipt_writer writer{opts, codes, pop};
  std::vector<file_info> files;
  const claim* const end = claims.data() + claims.size();
  for (const claim* first = claims.data(); first != end;) {
    // One file per kind (payer side) or per kind and institution.
    const claim* last = first;
    while (last != end && last->kind == first->kind && (opts.payer_side || last->institution == first->institution))
      ++last;
    const auto name = opts.payer_side ? payer_file_name(first->kind)
                                      : file_name(pop.institutions[first->institution], first->kind);
    auto info = write_file(writer, dir / name, first->kind, first, last);
    if (!info)
      return info.error_value();
    files.push_back(std::move(*info));
    first = last;
  }
  return files;
}

} // namespace receptor::synth
