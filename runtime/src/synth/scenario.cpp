#include "receptor/synth/scenario.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "receptor/dates.hpp"
#include "receptor/master/master_set.hpp"
#include "receptor/synth/random.hpp"

namespace receptor::synth {

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
void plant_receipt_defects(std::vector<claim>& claims, const scenario_request& request, const feed_options& feed,
                           const population& pop) {
  std::vector<uint32_t> claims_of_person(pop.people.size(), 0);
  for (const claim& c : claims)
    ++claims_of_person[c.person];
  auto supplies_tickets = [&](const claim& c) {
    const auto& no = feed.offices_without_tickets;
    return std::find(no.begin(), no.end(), pop.offices[pop.people[c.person].office].payer_no) == no.end();
  };
  std::vector<size_t> candidates;
  for (size_t i = 0; i < claims.size(); ++i)
    if (claims_of_person[claims[i].person] == 1 && supplies_tickets(claims[i]))
      candidates.push_back(i);
  rng random{derive_seed(request.month.seed, defect_stream)};
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

} // namespace

expected<scenario_result> generate_scenario(const scenario_request& request) {
  const options& opts = request.month;
  population_options people;
  people.seed = opts.seed;
  people.receipts = opts.receipts;
  people.reference_month = opts.month;
  const population pop = make_population(people);
  const catalog codes = request.masters ? catalog_from_masters(*request.masters, opts.seed) : builtin_catalog();

  scenario_result result;
  std::vector<claim> claims = plan_month(opts, pop);
  result.claims_reassigned = reassign_unmatchable_claims(claims, pop, opts.month);
  feed_options feed = request.feed;
  result.offices_without_tickets =
    busiest_programme_25_offices(claims, pop, request.programme_25_offices_without_tickets);
  feed.offices_without_tickets.insert(feed.offices_without_tickets.end(), result.offices_without_tickets.begin(),
                                      result.offices_without_tickets.end());
  plant_receipt_defects(claims, request, feed, pop);

  result.receipts_dir = request.out_dir / "receipts";
  result.feed_dir = request.out_dir / "feed";
  std::vector<receipt_location> where;
  auto files = write_receipt_files(opts, codes, pop, claims, result.receipts_dir, where);
  if (!files)
    return files.error_value();
  result.files = std::move(*files);
  for (const file_info& f : result.files)
    result.receipts += f.receipts;

  auto truth = write_office_feed(opts, feed, codes, pop, claims, result.feed_dir);
  if (!truth)
    return truth.error_value();
  result.cases = std::move(truth->cases);
  for (injected_case& k : result.cases) {
    k.file = where[k.claim].file;
    k.line = where[k.claim].line;
  }
  if (auto err = write_truth(request.out_dir / "truth.csv", result.cases))
    return err;
  if (auto err = write_status_file(request.out_dir / "expected_status.csv", where, truth->expected))
    return err;
  if (auto err = write_status_file(request.out_dir / "expected_status_first_delivery.csv", where,
                                   truth->first_delivery))
    return err;
  return result;
}

} // namespace receptor::synth
