#include "receptor/synth/generator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "receptor/encoding.hpp"
#include "receptor/synth/catalog.hpp"
#include "receptor/synth/population.hpp"
#include "receptor/synth/random.hpp"
#include "runtime/synth/scenario_files.hpp"

#ifdef RECEPTOR_SOURCE_DIR
#include "receptor/master/master_set.hpp"
#endif

namespace receptor::synth {
namespace {

namespace fs = std::filesystem;
using model::receipt_kind;
using test::read_bytes;

// --- helpers -------------------------------------------------------------------

// A scratch directory, removed with its contents at the end of the test.
class scratch_dir {
public:
  explicit scratch_dir(const std::string& name) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path()
            / ("receptor_synth_" + std::string{info->test_suite_name()} + "_" + info->name() + "_" + name);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

// The 検証番号 rule, written again here so the test does not trust the code under test.
bool luhn_ok(const std::string& number) {
  if (number.size() < 2)
    return false;
  int sum = 0, weight = 2;
  for (size_t i = number.size() - 1; i-- > 0;) {
    if (number[i] < '0' || number[i] > '9')
      return false;
    const int p = (number[i] - '0') * weight;
    sum += p / 10 + p % 10;
    weight = 3 - weight;
  }
  return (10 - sum % 10) % 10 == number.back() - '0';
}

int64_t num(const std::string& field) { return field.empty() ? 0 : std::stoll(field); }

// A decimal field ("1.5", "28", "0.19") in thousandths.
uint64_t thousandths(const std::string& field) {
  uint64_t whole = 0, fraction = 0, scale = 1000;
  size_t i = 0;
  for (; i < field.size() && field[i] != '.'; ++i)
    whole = whole * 10 + static_cast<uint64_t>(field[i] - '0');
  for (++i; i < field.size() && scale > 1; ++i) {
    scale /= 10;
    fraction += static_cast<uint64_t>(field[i] - '0') * scale;
  }
  return whole * 1000 + fraction;
}

// Payers of a 負担区分 (別表21) as bits: HO, 第1公費, 第2公費.
unsigned burden_payers(const std::string& code) {
  static const std::map<std::string, unsigned> payers = {{"1", 1}, {"5", 2}, {"6", 4}, {"2", 3},
                                                         {"3", 5}, {"7", 6}, {"4", 7}};
  auto it = payers.find(code);
  return it == payers.end() ? 0 : it->second;
}

struct record {
  std::string id;
  std::vector<std::string> f; // f[0] is the record id; padded with empty fields so a short record cannot crash a check
  size_t fields = 0;          // field count as written
  unsigned data_kind = 0;     // payer side: データ識別
  uint32_t row = 0;           // payer side: 行番号
  unsigned branch = 0;        // payer side: 枝番号
};

struct parsed_file {
  std::vector<record> records;
  bool crlf = true;           // every line ended with CR LF
  bool eof_marker = false;
  size_t bad_bytes = 0;       // CP932 bytes that did not decode
};

parsed_file parse(const std::string& bytes, bool payer, bool utf8) {
  parsed_file out;
  std::string text = bytes;
  if (!text.empty() && text.back() == '\x1A') {
    out.eof_marker = true;
    text.pop_back();
  }
  if (!utf8)
    text = cp932_to_utf8(text, &out.bad_bytes);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    else
      out.crlf = false;
    std::vector<std::string> fields;
    size_t start = 0;
    for (;;) {
      const size_t comma = line.find(',', start);
      fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos)
        break;
      start = comma + 1;
    }
    record r;
    if (payer) {
      r.data_kind = static_cast<unsigned>(num(fields.at(0)));
      r.row = static_cast<uint32_t>(num(fields.at(1)));
      r.branch = static_cast<unsigned>(num(fields.at(2)));
      fields.erase(fields.begin(), fields.begin() + 3);
    }
    r.id = fields.at(0);
    r.fields = fields.size();
    fields.resize(std::max<size_t>(fields.size(), 128));
    r.f = std::move(fields);
    out.records.push_back(std::move(r));
  }
  return out;
}

// Field counts (the id included) per record, by kind, as in receipt-format.md.
const std::map<std::string, size_t>& layout(receipt_kind kind) {
  static const std::map<std::string, size_t> medical = {
    {"IR", 10}, {"RE", 38}, {"HO", 15}, {"KO", 12}, {"SN", 9}, {"JD", 33}, {"MF", 33}, {"SY", 8},
    {"SI", 44}, {"IY", 44}, {"TO", 48}, {"CO", 5},  {"GO", 4}, {"MN", 7}, {"JY", 9}, {"EX", 13}, {"RC", 2}};
  static const std::map<std::string, size_t> dpc = {
    {"IR", 10}, {"RE", 38}, {"HO", 16}, {"KO", 13}, {"SN", 9}, {"JD", 33}, {"BU", 6},  {"SB", 8},  {"KK", 14},
    {"HH", 9},  {"GT", 12}, {"SI", 44}, {"IY", 44}, {"TO", 48}, {"CO", 5}, {"CD", 11}, {"GO", 4},  {"MN", 7},
    {"JY", 9},  {"EX", 13}, {"RC", 2}};
  static const std::map<std::string, size_t> dental = {
    {"UK", 10}, {"IR", 9},  {"RE", 27}, {"HO", 14}, {"KO", 10}, {"SN", 9}, {"JD", 33}, {"HS", 13}, {"SS", 109},
    {"SI", 38}, {"IY", 39}, {"TO", 45}, {"CO", 11}, {"GO", 4},  {"MN", 7}, {"JY", 9},  {"EX", 13}, {"RC", 2}};
  static const std::map<std::string, size_t> pharmacy = {
    {"YK", 9},  {"RE", 42}, {"HO", 14}, {"KO", 10}, {"SN", 9}, {"JD", 33}, {"SH", 10}, {"CZ", 71},
    {"IY", 10}, {"KI", 114}, {"GO", 4}, {"MN", 7},  {"JY", 9}, {"EX", 13}, {"RC", 2}};
  switch (kind) {
    case receipt_kind::dpc: return dpc;
    case receipt_kind::dental: return dental;
    case receipt_kind::pharmacy: return pharmacy;
    default: return medical;
  }
}

// Positions of 点数, 回数 and the first day column in 摘要 records.
struct item_positions {
  size_t points, count, day0;
};

item_positions positions(receipt_kind kind, const std::string& id) {
  if (kind == receipt_kind::dental) {
    if (id == "SS")
      return {76, 77, 78};
    if (id == "TO")
      return {12, 13, 14};
    if (id == "IY")
      return {5, 6, 8};
    return {5, 6, 7};
  }
  if (id == "TO")
    return {5, 6, 17};
  return {5, 6, 13};
}

std::string kind_name(receipt_kind kind) {
  switch (kind) {
    case receipt_kind::dpc: return "dpc";
    case receipt_kind::dental: return "dental";
    case receipt_kind::pharmacy: return "pharmacy";
    default: return "medical";
  }
}

bool is_item(const std::string& id) { return id == "SI" || id == "IY" || id == "TO" || id == "SS" || id == "CO"; }

// What a receipt adds up to, read back from its records.
struct receipt_truth {
  bool has_ho = false;
  int kos = 0;
  int64_t first_payer_points = 0;
  std::vector<int> ko_laws;
};

// Checks one receipt (its records from RE on, JY corrections already applied)
// and returns its totals. Failures name the receipt.
class receipt_checker {
public:
  explicit receipt_checker(receipt_kind kind) : kind_(kind) {}

  receipt_truth check(const std::vector<const record*>& recs, const std::string& where) {
    receipt_truth truth;
    const record* ho = nullptr;
    std::vector<const record*> kos;
    std::map<int, std::set<int>> jd_days; // 負担者種別 → days marked 1
    int64_t sums[3] = {};
    int64_t meals[3] = {}, meal_yen[3] = {};
    std::string shikibetsu;
    int omitted = 0;
    bool first_item = true;
    const record* open_unit = nullptr; // first inner record of an unfinished unit
    int64_t bundled = 0;
    for (const record* r : recs) {
      const auto& f = r->f;
      if (r->id == "HO")
        ho = r;
      else if (r->id == "KO")
        kos.push_back(r);
      else if (r->id == "JD")
        for (int day = 1; day <= 31; ++day) {
          if (f[static_cast<size_t>(1 + day)] == "1") {
            jd_days[static_cast<int>(num(f[1]))].insert(day);
          } else {
            EXPECT_TRUE(f[static_cast<size_t>(1 + day)].empty()) << where;
          }
        }
      if (r->id == "HH") {
        EXPECT_EQ(num(f[8]), num(f[6]) * num(f[7])) << where << " HH 包括点数";
        bundled += num(f[8]);
        add(sums, burden_payers(f[4]), num(f[8]));
      }
      if (r->id == "GT") {
        EXPECT_EQ(num(f[8]), bundled) << where << " GT 包括合計点数";
      }
      if (kind_ == receipt_kind::pharmacy) {
        pharmacy_line(*r, sums, where);
        continue;
      }
      if (!is_item(r->id))
        continue;
      // 診療識別: written on a block's first record, carried to the following ones.
      if (!f[1].empty()) {
        shikibetsu = f[1];
        omitted = 0;
      } else {
        ++omitted;
        EXPECT_FALSE(first_item) << where << " first 摘要 record without 診療識別";
        EXPECT_LE(omitted, 98) << where;
      }
      first_item = false;
      if (r->id == "CO") {
        EXPECT_EQ(open_unit, nullptr) << where << " CO inside a unit";
        continue;
      }
      const auto pos = positions(kind_, r->id);
      int64_t day_total = 0;
      for (size_t d = 0; d < 31; ++d)
        day_total += num(f[pos.day0 + d]);
      EXPECT_EQ(num(f[pos.count]), day_total) << where << " 回数 ≠ Σ days on " << r->id << " " << f[3];
      if (open_unit != nullptr) {
        // Every record of a unit has the same 回数 and day columns.
        const auto open_pos = positions(kind_, open_unit->id);
        EXPECT_EQ(open_unit->f[open_pos.count], f[pos.count]) << where << " unit 回数 differ";
        for (size_t d = 0; d < 31; ++d)
          EXPECT_EQ(open_unit->f[open_pos.day0 + d], f[pos.day0 + d]) << where << " unit days differ";
      }
      if (f[pos.points].empty()) {
        if (open_unit == nullptr)
          open_unit = r;
        continue;
      }
      open_unit = nullptr;
      const int64_t amount = num(f[pos.points]) * num(f[pos.count]);
      if (shikibetsu == "97") {
        const unsigned payers = burden_payers(f[2]);
        add(meal_yen, payers, amount);
        if (f[3] == "197000110")
          add(meals, payers, num(f[4]) * num(f[pos.count]));
      } else {
        add(sums, burden_payers(f[2]), amount);
      }
    }
    EXPECT_EQ(open_unit, nullptr) << where << " unit without 点数 at its end";

    // HO/KO totals against the lines.
    const bool dental = kind_ == receipt_kind::dental;
    const bool pharmacy = kind_ == receipt_kind::pharmacy;
    if (ho != nullptr) {
      truth.has_ho = true;
      EXPECT_EQ(num(ho->f[5]), sums[0]) << where << " HO 合計点数";
      EXPECT_TRUE(luhn_ok(ho->f[1])) << where << " 保険者番号 " << ho->f[1];
      EXPECT_EQ(num(ho->f[4]), static_cast<int64_t>(jd_days[1].size())) << where << " HO 実日数";
      if (!pharmacy) {
        const size_t meal_at = dental ? 6 : 7;
        EXPECT_EQ(num(ho->f[meal_at]), meals[0]) << where << " HO 食事回数";
        EXPECT_EQ(num(ho->f[meal_at + 1]), meal_yen[0]) << where << " HO 食事金額";
      }
    }
    for (size_t k = 0; k < kos.size(); ++k) {
      const auto& f = kos[k]->f;
      EXPECT_EQ(num(f[5]), sums[k + 1]) << where << " KO#" << k + 1 << " 合計点数";
      EXPECT_TRUE(luhn_ok(f[1])) << where << " 負担者番号 " << f[1];
      EXPECT_EQ(f[2].size(), 7u) << where;
      EXPECT_TRUE(luhn_ok(f[2])) << where << " 受給者番号 " << f[2];
      EXPECT_EQ(num(f[4]), static_cast<int64_t>(jd_days[static_cast<int>(k + 2)].size())) << where << " KO 実日数";
      if (!pharmacy) {
        const size_t meal_at = dental ? 8 : 10;
        EXPECT_EQ(num(f[meal_at]), meals[k + 1]) << where << " KO 食事回数";
        EXPECT_EQ(num(f[meal_at + 1]), meal_yen[k + 1]) << where << " KO 食事金額";
      }
      truth.ko_laws.push_back(static_cast<int>(num(f[1].substr(0, 2))));
    }
    truth.kos = static_cast<int>(kos.size());
    EXPECT_GE(truth.kos, 1) << where << " every receipt bills 12 or 25";
    // 12/25 is the last KO (公費 priority order).
    if (!truth.ko_laws.empty()) {
      EXPECT_TRUE(truth.ko_laws.back() == 12 || truth.ko_laws.back() == 25) << where;
    }
    truth.first_payer_points = ho != nullptr ? num(ho->f[5]) : kos.empty() ? 0 : num(kos[0]->f[5]);
    return truth;
  }

private:
  static void add(int64_t (&sums)[3], unsigned payers, int64_t amount) {
    for (int slot = 0; slot < 3; ++slot)
      if ((payers >> slot) & 1)
        sums[slot] += amount;
  }

  void pharmacy_line(const record& r, int64_t (&sums)[3], const std::string& where) {
    const auto& f = r.f;
    if (r.id == "SH") {
      unit_points_ = num(f[5]);
    } else if (r.id == "CZ") {
      EXPECT_EQ(num(f[13]), unit_points_ * num(f[5])) << where << " CZ 薬剤料点数";
      int64_t points = num(f[10]) + num(f[13]) + num(f[61]);
      for (size_t k = 0; k < 10; ++k)
        points += num(f[17 + 3 * k]);
      add(sums, burden_payers(f[6]), points);
    } else if (r.id == "KI") {
      int64_t points = num(f[5]);
      for (size_t k = 0; k < 12; ++k)
        points += num(f[10 + 4 * k]) * std::max<int64_t>(num(f[9 + 4 * k]), 1);
      add(sums, burden_payers(f[3]), points);
    }
  }

  receipt_kind kind_;
  int64_t unit_points_ = 0;
};

// Totals read back from a whole file.
struct file_truth {
  uint64_t receipts = 0;
  uint64_t claims = 0;
  int64_t points = 0;
  int64_t claimed_points = 0;
  uint64_t corrected = 0;
  std::array<uint64_t, 100> ko_by_law{};
};

void check_layout(const parsed_file& file, receipt_kind kind, const std::string& where) {
  const auto& expected = layout(kind);
  for (const auto& r : file.records) {
    auto it = expected.find(r.id);
    ASSERT_NE(it, expected.end()) << where << ": unexpected record " << r.id;
    EXPECT_EQ(r.fields, it->second) << where << ": field count of " << r.id;
  }
}

// Institution side: header, receipts, GO.
file_truth check_institution_file(const parsed_file& file, receipt_kind kind, const std::string& where) {
  check_layout(file, kind, where);
  file_truth truth;
  receipt_checker checker{kind};
  const auto& recs = file.records;
  EXPECT_FALSE(recs.empty());
  const char* header = kind == receipt_kind::dental ? "UK" : kind == receipt_kind::pharmacy ? "YK" : "IR";
  EXPECT_EQ(recs.front().id, header) << where;
  EXPECT_EQ(recs.back().id, "GO") << where;
  EXPECT_TRUE(luhn_ok(recs.front().f[4])) << where << " 医療機関コード " << recs.front().f[4];
  std::vector<const record*> current;
  auto flush = [&]() {
    if (current.empty())
      return;
    const auto t = checker.check(current, where + " receipt " + current.front()->f[1]);
    ++truth.receipts;
    truth.claims += static_cast<uint64_t>((t.has_ho ? 1 : 0) + t.kos);
    truth.points += t.first_payer_points;
    for (int law : t.ko_laws)
      ++truth.ko_by_law[static_cast<size_t>(law)];
    current.clear();
  };
  for (size_t i = 1; i + 1 < recs.size(); ++i) {
    if (recs[i].id == "RE")
      flush();
    if (recs[i].id != "IR") // 歯科 repeats IR before each RE
      current.push_back(&recs[i]);
  }
  flush();
  const auto& go = recs.back().f;
  EXPECT_EQ(static_cast<uint64_t>(num(go[1])), truth.claims) << where << " GO 総件数";
  EXPECT_EQ(num(go[2]), truth.points) << where << " GO 総合計点数";
  EXPECT_EQ(go[3], "99") << where;
  truth.claimed_points = truth.points;
  return truth;
}

// Payer side: MN blocks; claimed records (データ識別 1), corrected copies and JY
// (データ識別 2), EX and RC. Checks the receipt as claimed and as corrected.
file_truth check_payer_file(const parsed_file& file, receipt_kind kind, const std::string& where) {
  check_layout(file, kind, where);
  file_truth truth;
  receipt_checker checker{kind};
  const auto& recs = file.records;
  for (size_t i = 0; i < recs.size();) {
    EXPECT_EQ(recs[i].id, "MN") << where;
    EXPECT_EQ(recs[i].data_kind, 2u);
    const std::string block_where = where + " MN " + recs[i].f[1];
    size_t end = i + 1;
    while (end < recs.size() && recs[end].id != "MN")
      ++end;
    std::map<uint32_t, const record*> by_row;
    std::vector<const record*> claimed;
    std::set<uint32_t> deleted;
    std::map<uint32_t, uint32_t> replaced;
    bool corrected = false;
    for (size_t k = i; k < end; ++k) {
      const record& r = recs[k];
      EXPECT_EQ(r.row, k - i + 1) << block_where << " 行番号";
      by_row[r.row] = &r;
      if (r.id == "EX")
        EXPECT_EQ(r.branch, 1u) << block_where;
      else if (r.id == "RC")
        EXPECT_LE(r.branch, 1u) << block_where;
      else
        EXPECT_EQ(r.branch, 0u) << block_where;
      if (r.data_kind == 1) {
        EXPECT_TRUE(r.id != "EX" && r.id != "RC" && r.id != "JY" && r.id != "MN") << block_where;
        claimed.push_back(&r);
      } else if (r.id == "JY") {
        corrected = true;
        if (r.f[1] == "2")
          replaced[static_cast<uint32_t>(num(r.f[2]))] = static_cast<uint32_t>(num(r.f[6]));
        else if (r.f[1] == "3")
          deleted.insert(static_cast<uint32_t>(num(r.f[2])));
        else
          ADD_FAILURE() << block_where << " JY 補正区分 " << r.f[1];
      }
    }
    EXPECT_EQ(recs[end - 1].id, "RC") << block_where;
    // The receipt as claimed, then with the JY corrections applied. A deleted
    // record may have carried the 診療識別 of the next ones: the corrected view
    // writes each record's 診療識別 as read from the claim.
    std::vector<const record*> as_claimed, as_corrected;
    std::vector<record> resolved;
    resolved.reserve(claimed.size());
    std::string shikibetsu;
    for (const record* r : claimed) {
      if (r->id == "IR" || r->id == "UK" || r->id == "YK")
        continue;
      as_claimed.push_back(r);
      if (is_item(r->id) && !r->f[1].empty())
        shikibetsu = r->f[1];
      if (deleted.count(r->row) != 0)
        continue;
      auto it = replaced.find(r->row);
      const record* current = r;
      if (it != replaced.end()) {
        current = by_row.at(it->second);
        EXPECT_EQ(current->id, r->id) << block_where << " JY replaces a record by another kind";
        EXPECT_EQ(current->data_kind, 2u);
      }
      if (is_item(r->id) && kind != receipt_kind::pharmacy) {
        resolved.push_back(*current);
        resolved.back().f[1] = shikibetsu;
        current = &resolved.back();
      }
      as_corrected.push_back(current);
    }
    for (uint32_t row : deleted)
      EXPECT_TRUE(by_row.count(row) != 0 && by_row.at(row)->data_kind == 1) << block_where << " JY 削除 row";
    const auto before = checker.check(as_claimed, block_where + " (claimed)");
    const auto after = checker.check(as_corrected, block_where + " (corrected)");
    ++truth.receipts;
    truth.claims += static_cast<uint64_t>((before.has_ho ? 1 : 0) + before.kos);
    truth.claimed_points += before.first_payer_points;
    truth.points += after.first_payer_points;
    truth.corrected += corrected ? 1 : 0;
    for (int law : before.ko_laws)
      ++truth.ko_by_law[static_cast<size_t>(law)];
    i = end;
  }
  return truth;
}

void expect_matches(const file_info& info, const file_truth& truth, const std::string& where) {
  EXPECT_EQ(info.receipts, truth.receipts) << where;
  EXPECT_EQ(info.claims, truth.claims) << where;
  EXPECT_EQ(info.points, truth.points) << where;
  EXPECT_EQ(info.claimed_points, truth.claimed_points) << where;
  EXPECT_EQ(info.corrected_receipts, truth.corrected) << where;
  EXPECT_EQ(info.ko_by_law, truth.ko_by_law) << where;
}

// Generates a month and checks every file against its file_info.
std::vector<file_info> generate_and_check(const options& opts, const population& pop, const fs::path& dir) {
  const auto codes = builtin_catalog();
  auto files = generate_month(opts, codes, pop, dir);
  EXPECT_TRUE(files.has_value()) << (files ? "" : files.error_value().message);
  if (!files)
    return {};
  for (const auto& info : *files) {
    const auto bytes = read_bytes(info.path);
    EXPECT_EQ(bytes.size(), info.bytes) << info.path;
    const auto file = parse(bytes, opts.payer_side, opts.utf8);
    EXPECT_EQ(file.bad_bytes, 0u) << info.path;
    EXPECT_EQ(file.eof_marker, opts.eof_marker) << info.path;
    EXPECT_EQ(file.crlf, opts.crlf) << info.path;
    EXPECT_EQ(file.records.size(), info.records) << info.path;
    const auto truth = opts.payer_side ? check_payer_file(file, info.kind, info.path.string())
                                       : check_institution_file(file, info.kind, info.path.string());
    expect_matches(info, truth, info.path.string());
  }
  return std::move(*files);
}

options small_month(uint64_t seed = 7) {
  options opts;
  opts.seed = seed;
  opts.receipts = 1500;
  return opts;
}

population population_for(const options& opts, uint64_t seed = 3) {
  population_options po;
  po.seed = seed;
  po.receipts = opts.receipts;
  return make_population(po);
}

// --- random --------------------------------------------------------------------

TEST(SynthRandom, SameSeedSameStreamAndBoundsHold) {
  rng a{42}, b{42}, c{43};
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
  rng r{1};
  for (int i = 0; i < 10000; ++i) {
    const auto v = r.between(-3, 5);
    EXPECT_GE(v, -3);
    EXPECT_LE(v, 5);
    EXPECT_LT(r.below(7), 7u);
    const double u = r.unit();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
  EXPECT_NE(derive_seed(1, 1), derive_seed(1, 2));
}

// --- catalog and population --------------------------------------------------

TEST(SynthCatalog, BuiltinHoldsTheWorkedExampleCodes) {
  const auto c = builtin_catalog();
  EXPECT_EQ(c.revisit.code, 112007410u);
  EXPECT_EQ(c.revisit.points, 75);
  EXPECT_EQ(c.first_visit.code, 111000110u);
  EXPECT_EQ(c.first_visit.points, 291);
  EXPECT_EQ(c.dispensing_oral.code, 120000710u);
  EXPECT_EQ(c.prescribing.code, 120001210u);
  auto has_drug = [&](uint32_t code) {
    return std::any_of(c.oral_drugs.begin(), c.oral_drugs.end(), [&](const drug_item& d) { return d.code == code; });
  };
  EXPECT_TRUE(has_drug(620007870));
  auto has_disease = [&](uint32_t code) {
    return std::any_of(c.diseases.begin(), c.diseases.end(), [&](const disease_item& d) { return d.code == code; });
  };
  EXPECT_TRUE(has_disease(8833421));
  EXPECT_TRUE(has_disease(4659007));
  EXPECT_TRUE(std::any_of(c.oral_drugs.begin(), c.oral_drugs.end(), [](const drug_item& d) { return d.psychotropic; }));
  EXPECT_TRUE(std::any_of(c.oral_drugs.begin(), c.oral_drugs.end(), [](const drug_item& d) { return d.has_generic; }));
}

TEST(SynthPopulation, NumbersCarryValidCheckDigitsAndNamesTheirShape) {
  population_options po;
  po.seed = 11;
  po.receipts = 20000;
  const auto pop = make_population(po);
  ASSERT_FALSE(pop.people.empty());
  EXPECT_EQ(pop.people.size(), 10000u);
  std::set<std::string> recipient_keys;
  bool variant_kanji = false;
  for (const auto& o : pop.offices) {
    EXPECT_EQ(o.payer_no.size(), 8u);
    EXPECT_TRUE(luhn_ok(o.payer_no)) << o.payer_no;
    EXPECT_EQ(o.payer_no.substr(0, 2), o.law == 12 ? "12" : "25");
  }
  EXPECT_TRUE(std::any_of(pop.offices.begin(), pop.offices.end(), [](const office& o) { return o.law == 25; }));
  for (const auto& p : pop.people) {
    char recipient[8];
    std::snprintf(recipient, sizeof recipient, "%07u", p.recipient_no);
    EXPECT_TRUE(luhn_ok(recipient)) << recipient;
    EXPECT_TRUE(recipient_keys.insert(pop.offices[p.office].payer_no + recipient).second) << "recipient number reused";
    EXPECT_NE(p.name.find("\xE3\x80\x80"), std::string::npos) << p.name;
    EXPECT_EQ(p.kana.find("\xE3\x80\x80"), std::string::npos) << p.kana;
    variant_kanji |= p.name.find("髙") != std::string::npos || p.name.find("﨑") != std::string::npos;
    EXPECT_GE(p.birth_date, 19000101u);
    EXPECT_TRUE(p.sex == 1 || p.sex == 2);
    if (p.insurance >= 0) {
      EXPECT_TRUE(luhn_ok(pop.insurances[static_cast<size_t>(p.insurance)].insurer_no));
    }
    if (p.other >= 0) {
      const auto& other = pop.other_publics[static_cast<size_t>(p.other)];
      EXPECT_TRUE(luhn_ok(other.payer_no));
      std::snprintf(recipient, sizeof recipient, "%07u", other.recipient_no);
      EXPECT_TRUE(luhn_ok(recipient));
    }
  }
  EXPECT_TRUE(variant_kanji);
  std::set<std::string> codes;
  for (const auto& inst : pop.institutions) {
    EXPECT_EQ(inst.code.size(), 7u);
    EXPECT_TRUE(luhn_ok(inst.code)) << inst.code;
    const auto key = std::to_string(inst.prefecture) + "/" + std::to_string(inst.table) + "/" + inst.code;
    EXPECT_TRUE(codes.insert(key).second) << key;
    // 漢字 mode: the name converts to CP932 two bytes per character.
    size_t bad = 0;
    const auto sjis = utf8_to_cp932(inst.name, &bad);
    EXPECT_EQ(bad, 0u) << inst.name;
    EXPECT_EQ(sjis.size() % 2, 0u) << inst.name;
    EXPECT_LE(sjis.size(), 40u) << inst.name;
  }
  EXPECT_TRUE(
    std::any_of(pop.institutions.begin(), pop.institutions.end(), [](const institution& i) { return i.dpc; }));
}

TEST(SynthPopulation, IsDeterministic) {
  population_options po;
  po.seed = 5;
  po.receipts = 3000;
  const auto a = make_population(po), b = make_population(po);
  ASSERT_EQ(a.people.size(), b.people.size());
  for (size_t i = 0; i < a.people.size(); ++i) {
    EXPECT_EQ(a.people[i].name, b.people[i].name);
    EXPECT_EQ(a.people[i].recipient_no, b.people[i].recipient_no);
    EXPECT_EQ(a.people[i].birth_date, b.people[i].birth_date);
  }
  ASSERT_EQ(a.institutions.size(), b.institutions.size());
  for (size_t i = 0; i < a.institutions.size(); ++i)
    EXPECT_EQ(a.institutions[i].code, b.institutions[i].code);
}

// --- planning ------------------------------------------------------------------

TEST(SynthPlan, ReceiptCountIsExactAndSplitByKind) {
  for (size_t receipts : {1u, 7u, 1000u, 12345u}) {
    options opts;
    opts.receipts = receipts;
    const auto pop = population_for(opts);
    const auto claims = plan_month(opts, pop);
    EXPECT_EQ(claims.size(), receipts);
    std::map<receipt_kind, size_t> by_kind;
    for (const auto& c : claims) {
      ++by_kind[c.kind];
      const auto& inst = pop.institutions[c.institution];
      switch (c.kind) {
        case receipt_kind::dpc: EXPECT_TRUE(inst.dpc); break;
        case receipt_kind::dental: EXPECT_EQ(inst.type, facility::dental_clinic); break;
        case receipt_kind::pharmacy:
          EXPECT_EQ(inst.type, facility::pharmacy);
          EXPECT_EQ(pop.institutions[c.prescriber].table, 1);
          break;
        default:
          if (c.inpatient) {
            EXPECT_EQ(inst.type, facility::hospital);
          }
          break;
      }
    }
    if (receipts == 12345) {
      EXPECT_NEAR(static_cast<double>(by_kind[receipt_kind::pharmacy]) / receipts, 0.32, 0.001);
      EXPECT_NEAR(static_cast<double>(by_kind[receipt_kind::dental]) / receipts, 0.10, 0.001);
      EXPECT_NEAR(static_cast<double>(by_kind[receipt_kind::dpc]) / receipts, 0.03, 0.001);
    }
  }
}

// --- institution side ------------------------------------------------------------

TEST(SynthInstitutionSide, EveryKindParsesToItsTotals) {
  scratch_dir dir{"out"};
  auto opts = small_month();
  const auto pop = population_for(opts);
  const auto files = generate_and_check(opts, pop, dir.path());
  ASSERT_FALSE(files.empty());
  uint64_t receipts = 0;
  std::set<receipt_kind> kinds;
  for (const auto& f : files) {
    receipts += f.receipts;
    kinds.insert(f.kind);
    const auto& inst_name = f.path.filename().string();
    EXPECT_EQ(inst_name.size(), 10u + 13u) << inst_name;
  }
  EXPECT_EQ(receipts, opts.receipts);
  EXPECT_EQ(kinds.size(), 4u);
}

TEST(SynthInstitutionSide, ReceiptsHaveRealisticSizes) {
  scratch_dir dir{"out"};
  auto opts = small_month(21);
  const auto pop = population_for(opts);
  const auto files = generate_month(opts, builtin_catalog(), pop, dir.path());
  ASSERT_TRUE(files.has_value());
  std::map<std::string, std::vector<size_t>> sizes; // by kind and in/out
  for (const auto& info : *files) {
    const auto file = parse(read_bytes(info.path), false, false);
    size_t count = 0;
    std::string key;
    for (const auto& r : file.records) {
      if (r.id == "RE" || r.id == "GO" || (r.id == "IR" && info.kind == receipt_kind::dental)) {
        if (!key.empty())
          sizes[key].push_back(count);
        count = 0;
        key.clear();
        if (r.id == "RE")
          key = kind_name(info.kind) + (r.f[2].back() % 2 == 1 ? "/in" : "/out");
      }
      ++count;
    }
  }
  auto median = [](std::vector<size_t> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  for (const char* key : {"medical/out", "medical/in", "dpc/in", "pharmacy/out"})
    ASSERT_TRUE(sizes.count(key)) << key;
  EXPECT_GE(median(sizes["medical/out"]), 10u);
  EXPECT_LE(median(sizes["medical/out"]), 40u);
  EXPECT_GE(median(sizes["medical/in"]), 80u);
  EXPECT_GE(median(sizes["dpc/in"]), 150u);
  EXPECT_GE(median(sizes["pharmacy/out"]), 8u);
  EXPECT_LE(median(sizes["pharmacy/out"]), 30u);
}

TEST(SynthInstitutionSide, CoversTheCoverageCombinations) {
  scratch_dir dir{"out"};
  options opts;
  opts.seed = 9;
  opts.receipts = 4000;
  population_options po;
  po.seed = 4;
  po.receipts = opts.receipts;
  po.coverage.employee_insurance = 0.15;
  po.coverage.other_public = 0.15;
  po.coverage.programme_25 = 0.05;
  const auto pop = make_population(po);
  const auto files = generate_and_check(opts, pop, dir.path());
  std::set<std::string> types;
  std::set<std::string> burdens;
  for (const auto& info : files) {
    const auto file = parse(read_bytes(info.path), false, false);
    for (const auto& r : file.records) {
      if (r.id == "RE")
        types.insert(r.f[2]);
      if (r.id == "SI" || r.id == "IY")
        burdens.insert(r.f[2]);
    }
  }
  for (const char* type : {"1212", "1211", "1122", "1222", "3212", "4212", "4222"})
    EXPECT_TRUE(types.count(type)) << type;
  for (const char* burden : {"5", "2", "6", "7"})
    EXPECT_TRUE(burdens.count(burden)) << burden;
  uint64_t law25 = 0, law54_21_15 = 0;
  for (const auto& f : files) {
    law25 += f.ko_by_law[25];
    law54_21_15 += f.ko_by_law[54] + f.ko_by_law[21] + f.ko_by_law[15];
  }
  EXPECT_GT(law25, 0u);
  EXPECT_GT(law54_21_15, 0u);
}

TEST(SynthInstitutionSide, CodesMatchTheCatalog) {
  scratch_dir dir{"out"};
  auto opts = small_month(5);
  const auto pop = population_for(opts);
  const auto codes = builtin_catalog();
  std::set<std::string> known;
  auto add = [&](uint32_t code) { known.insert(std::to_string(code)); };
  for (const auto* item : {&codes.first_visit, &codes.revisit, &codes.hospital_revisit, &codes.outpatient_management,
                           &codes.statement_bonus, &codes.disease_management, &codes.drug_information,
                           &codes.home_visit, &codes.dispensing_oral, &codes.dispensing_topical, &codes.prescribing,
                           &codes.prescription, &codes.generic_name_bonus, &codes.inpatient_dispensing,
                           &codes.inpatient_dispensing_base, &codes.injection_im, &codes.injection_iv, &codes.drip,
                           &codes.blood_draw, &codes.chemistry_judgement, &codes.hematology_judgement,
                           &codes.long_term_ward, &codes.psychiatric_ward, &codes.meal, &codes.dining_bonus,
                           &codes.dental_first_visit, &codes.dental_revisit, &codes.dental_management,
                           &codes.psychotherapy, &codes.psychiatric_support, &codes.psychiatric_day_care,
                           &codes.occupational_therapy, &codes.oxygen_inhalation})
    add(item->code);
  for (const auto* pool : {&codes.chemistry_items, &codes.admission_bonuses, &codes.single_tests, &codes.treatments,
                           &codes.surgeries, &codes.rehabilitation, &codes.dental_procedures})
    for (const auto& item : *pool)
      add(item.code);
  for (const auto* set : {&codes.acute_ward_days_1_14, &codes.acute_ward_days_15_30, &codes.acute_ward_days_31})
    for (const auto& item : set->items)
      add(item.code);
  for (const auto& set : codes.imaging)
    for (const auto& item : set.items)
      add(item.code);
  for (const auto* pool : {&codes.oral_drugs, &codes.pain_relief, &codes.topical_drugs, &codes.injection_drugs})
    for (const auto& d : *pool)
      add(d.code);
  for (const auto& m : codes.materials)
    add(m.code);
  add(codes.oxygen.code);
  add(codes.dental_film.code);
  for (const auto& c : codes.comments)
    add(c.code);
  const auto files = generate_month(opts, codes, pop, dir.path());
  ASSERT_TRUE(files.has_value());
  for (const auto& info : *files) {
    const auto file = parse(read_bytes(info.path), false, false);
    for (const auto& r : file.records) {
      if (r.id == "SI" || r.id == "IY" || r.id == "TO" || r.id == "CO" || r.id == "SS") {
        EXPECT_TRUE(known.count(r.f[info.kind == receipt_kind::pharmacy ? 2 : 3])) << r.id << " " << r.f[3];
      }
    }
  }
}

TEST(SynthInstitutionSide, LegacyWarekiDatesAndLineOptions) {
  scratch_dir dir{"out"};
  auto opts = small_month(13);
  opts.receipts = 600;
  opts.wareki = true;
  opts.crlf = false;
  opts.eof_marker = false;
  const auto pop = population_for(opts);
  const auto files = generate_and_check(opts, pop, dir.path());
  ASSERT_FALSE(files.empty());
  std::set<char> birth_eras;
  for (const auto& info : files) {
    const auto bytes = read_bytes(info.path);
    EXPECT_EQ(bytes.find('\r'), std::string::npos);
    EXPECT_EQ(bytes.back(), '\n');
    const auto file = parse(bytes, false, false);
    for (const auto& r : file.records) {
      if (r.id == "RE") {
        EXPECT_EQ(r.f[3], "50606"); // 令和6年6月
        EXPECT_EQ(r.f[6].size(), 7u);
        birth_eras.insert(r.f[6][0]);
      }
      if (r.id == "IR" || r.id == "UK") {
        EXPECT_EQ(r.f[7 - (r.id == "IR" && info.kind == receipt_kind::dental ? 1 : 0)], "50607");
      }
    }
  }
  EXPECT_TRUE(birth_eras.count('3')); // 昭和
  EXPECT_TRUE(birth_eras.count('4')); // 平成
  for (char era : birth_eras)
    EXPECT_TRUE(era >= '2' && era <= '5') << era;
}

TEST(SynthInstitutionSide, Utf8OutputIsValidUtf8AndNamesKeepVariantKanji) {
  scratch_dir dir{"out"};
  auto opts = small_month(17);
  opts.receipts = 3000;
  opts.utf8 = true;
  const auto pop = population_for(opts);
  const auto files = generate_and_check(opts, pop, dir.path());
  bool variant = false;
  for (const auto& info : files) {
    auto bytes = read_bytes(info.path);
    bytes.pop_back(); // 0x1A
    EXPECT_TRUE(valid_utf8(bytes)) << info.path;
    variant |= bytes.find("髙") != std::string::npos || bytes.find("﨑") != std::string::npos
               || bytes.find("德") != std::string::npos;
  }
  EXPECT_TRUE(variant);
}

TEST(SynthInstitutionSide, Cp932OutputDecodesAndCarriesExtensionCharacters) {
  scratch_dir dir{"out"};
  auto opts = small_month(17);
  opts.receipts = 3000;
  const auto pop = population_for(opts);
  const auto files = generate_month(opts, builtin_catalog(), pop, dir.path());
  ASSERT_TRUE(files.has_value());
  bool extension = false;
  for (const auto& info : *files) {
    const auto bytes = read_bytes(info.path);
    size_t bad = 0;
    const auto text = cp932_to_utf8(bytes.substr(0, bytes.size() - 1), &bad);
    EXPECT_EQ(bad, 0u) << info.path;
    EXPECT_FALSE(valid_utf8(bytes) && bytes.find("\xE3\x80\x80") != std::string::npos) << "CP932 expected";
    // 髙 is 0xFBFC and 﨑 0xFAB1 in CP932 (IBM extensions).
    extension |= bytes.find("\xFB\xFC") != std::string::npos || bytes.find("\xFA\xB1") != std::string::npos;
  }
  EXPECT_TRUE(extension);
}

// Recomputes the points of every 算定単位 from the catalog: 診療行為 points
// (生化学 items as a panel, meals per meal), 薬剤料 from the prices of all the
// drugs of the unit, materials by price. Points on any but the last record of
// a unit would break these sums.
class unit_points_checker {
public:
  explicit unit_points_checker(const catalog& c) : c_(c) {
    auto add_procedure = [&](const procedure_item& item) { procedures_[std::to_string(item.code)] = item.points; };
    for (const auto* item : {&c.first_visit, &c.revisit, &c.hospital_revisit, &c.outpatient_management,
                             &c.statement_bonus, &c.disease_management, &c.drug_information, &c.home_visit,
                             &c.dispensing_oral, &c.dispensing_topical, &c.prescribing, &c.prescription,
                             &c.generic_name_bonus, &c.inpatient_dispensing, &c.inpatient_dispensing_base,
                             &c.injection_im, &c.injection_iv, &c.drip, &c.blood_draw, &c.chemistry_judgement,
                             &c.hematology_judgement, &c.long_term_ward, &c.psychiatric_ward, &c.dining_bonus,
                             &c.dental_first_visit, &c.dental_revisit, &c.dental_management, &c.psychotherapy,
                             &c.psychiatric_support, &c.psychiatric_day_care, &c.occupational_therapy,
                             &c.oxygen_inhalation})
      add_procedure(*item);
    for (const auto* pool : {&c.admission_bonuses, &c.single_tests, &c.treatments, &c.surgeries, &c.rehabilitation,
                             &c.dental_procedures})
      for (const auto& item : *pool)
        add_procedure(item);
    for (const auto* set : {&c.acute_ward_days_1_14, &c.acute_ward_days_15_30, &c.acute_ward_days_31})
      for (const auto& item : set->items)
        add_procedure(item);
    for (const auto& set : c.imaging)
      for (const auto& item : set.items)
        add_procedure(item);
    for (const auto& item : c.chemistry_items)
      chemistry_.insert(std::to_string(item.code));
    for (const auto* pool : {&c.oral_drugs, &c.pain_relief, &c.topical_drugs, &c.injection_drugs})
      for (const auto& d : *pool)
        drug_prices_[std::to_string(d.code)] = d.price;
    for (const auto& m : c.materials)
      material_prices_[std::to_string(m.code)] = m.price;
    material_prices_[std::to_string(c.oxygen.code)] = c.oxygen.price;
    material_prices_[std::to_string(c.dental_film.code)] = c.dental_film.price;
  }

  void check(const parsed_file& file, receipt_kind kind, const std::string& where) {
    std::vector<const record*> unit;
    for (const auto& r : file.records) {
      if (r.id == "RE")
        unit.clear();
      if (!is_item(r.id) || r.id == "CO")
        continue;
      unit.push_back(&r);
      const auto pos = positions(kind, r.id);
      if (r.f[pos.points].empty())
        continue;
      EXPECT_EQ(num(r.f[pos.points]), expected(unit)) << where << " unit ending in " << r.id << " " << r.f[3];
      unit.clear();
    }
  }

private:
  int64_t expected(const std::vector<const record*>& unit) const {
    int64_t points = 0;
    uint64_t drug_value = 0; // 1/100000 yen
    bool drugs = false;
    size_t chemistry = 0;
    for (const record* r : unit) {
      const auto& code = r->f[3];
      if (r->id == "IY") {
        drugs = true;
        drug_value += uint64_t{drug_prices_.at(code)} * thousandths(r->f[4]);
      } else if (r->id == "TO") {
        const uint64_t amount = thousandths(r->f[4]);
        points += static_cast<int64_t>((uint64_t{material_prices_.at(code)} * amount + 500000) / 1000000);
      } else if (chemistry_.count(code) != 0) {
        ++chemistry;
      } else if (code == std::to_string(c_.meal.code)) {
        points += c_.meal.points * num(r->f[4]);
      } else {
        points += procedures_.at(code);
      }
    }
    if (drugs) // 15 yen or less: 1 point; then 1 point per started 10 yen
      points += drug_value <= 1500000 ? 1 : 1 + static_cast<int64_t>((drug_value - 1500000 + 999999) / 1000000);
    if (chemistry > 0)
      points += c_.chemistry_panel_points[chemistry >= 10 ? 2 : chemistry >= 8 ? 1 : 0];
    return points;
  }

  const catalog& c_;
  std::map<std::string, int64_t> procedures_;
  std::set<std::string> chemistry_;
  std::map<std::string, uint32_t> drug_prices_, material_prices_;
};

TEST(SynthInstitutionSide, UnitPointsFollowThePointTable) {
  scratch_dir dir{"out"};
  auto opts = small_month(61);
  opts.receipts = 3000;
  const auto pop = population_for(opts);
  const auto codes = builtin_catalog();
  const auto files = generate_month(opts, codes, pop, dir.path());
  ASSERT_TRUE(files.has_value());
  unit_points_checker checker{codes};
  size_t multi_record_units = 0;
  for (const auto& info : *files) {
    if (info.kind == receipt_kind::pharmacy)
      continue;
    const auto file = parse(read_bytes(info.path), false, false);
    checker.check(file, info.kind, info.path.string());
    for (size_t i = 1; i < file.records.size(); ++i)
      multi_record_units += file.records[i - 1].id == "IY" && file.records[i - 1].f[5].empty() ? 1 : 0;
  }
  EXPECT_GT(multi_record_units, 100u);
}

// --- payer side ------------------------------------------------------------------

TEST(SynthPayerSide, BlocksAndCorrectionsParseToTheirTotals) {
  scratch_dir dir{"out"};
  auto opts = small_month(31);
  opts.receipts = 3000;
  opts.payer_side = true;
  opts.correction_rate = 0.2;
  const auto pop = population_for(opts);
  const auto files = generate_and_check(opts, pop, dir.path());
  ASSERT_EQ(files.size(), 4u);
  std::set<std::string> names;
  uint64_t receipts = 0, corrected = 0;
  int64_t lowered = 0;
  for (const auto& f : files) {
    names.insert(f.path.filename().string());
    receipts += f.receipts;
    corrected += f.corrected_receipts;
    lowered += f.claimed_points - f.points;
    EXPECT_GE(f.claimed_points, f.points);
  }
  EXPECT_EQ(names, (std::set<std::string>{"11_RECODEINFO_MED.CSV", "12_RECODEINFO_DPC.CSV", "13_RECODEINFO_DEN.CSV",
                                          "14_RECODEINFO_PHA.CSV"}));
  EXPECT_EQ(receipts, opts.receipts);
  EXPECT_NEAR(static_cast<double>(corrected) / receipts, 0.2, 0.04);
  EXPECT_GT(lowered, 0);
}

TEST(SynthPayerSide, SameClaimsAsTheInstitutionSide) {
  scratch_dir institution_dir{"institution"}, payer_dir{"payer"};
  auto opts = small_month(41);
  const auto pop = population_for(opts);
  const auto codes = builtin_catalog();
  const auto institution_files = generate_month(opts, codes, pop, institution_dir.path());
  opts.payer_side = true;
  const auto payer_files = generate_month(opts, codes, pop, payer_dir.path());
  ASSERT_TRUE(institution_files && payer_files);
  std::map<receipt_kind, int64_t> claimed_institution, claimed_payer;
  for (const auto& f : *institution_files)
    claimed_institution[f.kind] += f.points;
  for (const auto& f : *payer_files)
    claimed_payer[f.kind] += f.claimed_points;
  EXPECT_EQ(claimed_institution, claimed_payer);
}

TEST(SynthPayerSide, CorrectionsFollowTheSampleShape) {
  scratch_dir dir{"out"};
  auto opts = small_month(43);
  opts.receipts = 2000;
  opts.payer_side = true;
  opts.correction_rate = 0.5;
  opts.shares = {1, 0, 0, 0, 0};
  const auto pop = population_for(opts);
  const auto files = generate_and_check(opts, pop, dir.path());
  ASSERT_EQ(files.size(), 1u);
  const auto file = parse(read_bytes(files[0].path), true, false);
  bool modify = false, remove = false;
  for (const auto& r : file.records) {
    if (r.id != "JY")
      continue;
    if (r.f[1] == "2") {
      // `2,212,0,JY,2,4,0,,,211,0,`: 修正 of a row by a later row, no 事由.
      modify = true;
      EXPECT_EQ(r.f[3], "0");
      EXPECT_TRUE(r.f[4].empty() && r.f[5].empty());
      EXPECT_GT(num(r.f[6]), num(r.f[2]));
      EXPECT_EQ(r.f[7], "0");
    } else {
      // `2,213,0,JY,3,20,0,,C,,,`: 削除 with a 事由 code.
      remove = true;
      EXPECT_TRUE(r.f[5] == "C" || r.f[5] == "D");
      EXPECT_TRUE(r.f[6].empty() && r.f[7].empty());
    }
  }
  EXPECT_TRUE(modify);
  EXPECT_TRUE(remove);
  for (const auto& r : file.records)
    if (r.id == "MN") {
      EXPECT_EQ(r.f[1].size(), 9u);
      EXPECT_EQ(r.f[3].size(), 17u);
      EXPECT_EQ(r.f[3].substr(3, 5), "50607"); // 請求年月 in 和暦, as in the samples
    }
}

// --- determinism -------------------------------------------------------------------

TEST(SynthDeterminism, SameSeedSameBytesOtherSeedOtherBytes) {
  for (bool payer : {false, true}) {
    scratch_dir a{"a"}, b{"b"}, c{"c"};
    auto opts = small_month(99);
    opts.receipts = 800;
    opts.payer_side = payer;
    const auto pop = population_for(opts);
    const auto codes = builtin_catalog();
    const auto first = generate_month(opts, codes, pop, a.path());
    const auto second = generate_month(opts, codes, population_for(opts), b.path());
    opts.seed = 100;
    const auto other = generate_month(opts, codes, pop, c.path());
    ASSERT_TRUE(first && second && other);
    ASSERT_EQ(first->size(), second->size());
    bool any_difference = false;
    for (size_t i = 0; i < first->size(); ++i) {
      EXPECT_EQ((*first)[i].path.filename(), (*second)[i].path.filename());
      EXPECT_EQ(read_bytes((*first)[i].path), read_bytes((*second)[i].path)) << (*first)[i].path;
      const auto twin = c.path() / (*first)[i].path.filename();
      any_difference |= !fs::exists(twin) || read_bytes(twin) != read_bytes((*first)[i].path);
    }
    EXPECT_TRUE(any_difference);
  }
}

// --- one file, written by the caller -----------------------------------------------

TEST(SynthWriteReceipts, OneInstitutionFileOnAStream) {
  options opts;
  opts.seed = 5;
  population_options po;
  po.receipts = 2000;
  const auto pop = make_population(po);
  const auto codes = builtin_catalog();
  int64_t hospital = -1;
  for (size_t i = 0; i < pop.institutions.size(); ++i)
    if (pop.institutions[i].type == facility::hospital && !pop.institutions[i].psychiatric)
      hospital = static_cast<int64_t>(i);
  ASSERT_GE(hospital, 0);
  const auto claims = plan_claims(receipt_kind::medical, 500, opts, pop, hospital);
  ASSERT_EQ(claims.size(), 500u);
  EXPECT_TRUE(std::any_of(claims.begin(), claims.end(), [](const claim& c) { return c.inpatient; }));
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  const auto info = write_receipts(f, receipt_kind::medical, claims, opts, codes, pop);
  ASSERT_TRUE(info.has_value()) << info.error_value().message;
  EXPECT_EQ(info->receipts, 500u);
  EXPECT_TRUE(info->path.empty());
  std::string bytes(static_cast<size_t>(std::ftell(f)), '\0');
  std::rewind(f);
  ASSERT_EQ(std::fread(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
  EXPECT_EQ(bytes.size(), info->bytes);
  const auto truth = check_institution_file(parse(bytes, false, false), receipt_kind::medical, "stream");
  expect_matches(*info, truth, "stream");
}

TEST(SynthWriteReceipts, RejectsMixedClaimsAndBadMonths) {
  options opts;
  population_options po;
  po.receipts = 2000;
  const auto pop = make_population(po);
  const auto codes = builtin_catalog();
  auto claims = plan_claims(receipt_kind::pharmacy, 50, opts, pop);
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  auto mixed = write_receipts(f, receipt_kind::pharmacy, claims, opts, codes, pop);
  EXPECT_FALSE(mixed.has_value());
  EXPECT_EQ(mixed.error_value().code, ec::invalid_argument);
  auto wrong_kind = write_receipts(f, receipt_kind::dental, claims, opts, codes, pop);
  EXPECT_FALSE(wrong_kind.has_value());
  opts.payer_side = true;
  auto payer = write_receipts(f, receipt_kind::pharmacy, claims, opts, codes, pop);
  EXPECT_TRUE(payer.has_value());
  opts.month = 202413;
  auto bad_month = write_receipts(f, receipt_kind::pharmacy, claims, opts, codes, pop);
  ASSERT_FALSE(bad_month.has_value());
  EXPECT_EQ(bad_month.error_value().code, ec::invalid_argument);
  std::fclose(f);
}

// --- scale ------------------------------------------------------------------------

TEST(SynthScale, TwentyThousandReceiptsQuickly) {
  scratch_dir dir{"out"};
  options opts;
  opts.seed = 2024;
  opts.receipts = 20000;
  const auto pop = population_for(opts);
  const auto codes = builtin_catalog();
  const auto start = std::chrono::steady_clock::now();
  const auto files = generate_month(opts, codes, pop, dir.path());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(files.has_value());
  uint64_t receipts = 0, bytes = 0;
  for (const auto& f : *files) {
    receipts += f.receipts;
    bytes += f.bytes;
  }
  EXPECT_EQ(receipts, 20000u);
  EXPECT_LT(seconds, 5.0) << bytes / 1e6 << " MB";
  // And the payer side of the same month, checked in full.
  scratch_dir payer_dir{"payer"};
  opts.payer_side = true;
  generate_and_check(opts, pop, payer_dir.path());
}

#ifdef RECEPTOR_SOURCE_DIR
// The build defines RECEPTOR_SOURCE_DIR where it links the master reader.
TEST(SynthCatalog, FromMastersWidensThePools) {
  const auto masters = master::master_set::load(fs::path{RECEPTOR_SOURCE_DIR} / "data" / "masters");
  ASSERT_TRUE(masters.has_value()) << masters.error_value().message;
  const auto builtin = builtin_catalog();
  const auto c = catalog_from_masters(*masters, 1);
  EXPECT_GT(c.oral_drugs.size(), builtin.oral_drugs.size() + 500);
  EXPECT_GT(c.single_tests.size(), builtin.single_tests.size() + 100);
  EXPECT_GT(c.diseases.size(), builtin.diseases.size() + 500);
  EXPECT_EQ(c.revisit.points, 75);
  for (const auto& d : c.oral_drugs) {
    const auto* m = masters->find_drug(d.code);
    ASSERT_NE(m, nullptr) << d.code;
    EXPECT_EQ(m->psychotropic(), d.psychotropic) << d.code;
    EXPECT_EQ(m->dosage_form, 1) << d.code;
  }
  const auto again = catalog_from_masters(*masters, 1);
  ASSERT_EQ(again.oral_drugs.size(), c.oral_drugs.size());
  for (size_t i = 0; i < c.oral_drugs.size(); ++i)
    EXPECT_EQ(again.oral_drugs[i].code, c.oral_drugs[i].code);
  // A month drawn from it still adds up.
  scratch_dir dir{"out"};
  auto opts = small_month(3);
  const auto pop = population_for(opts);
  auto files = generate_month(opts, c, pop, dir.path());
  ASSERT_TRUE(files.has_value());
  for (const auto& info : *files) {
    const auto file = parse(read_bytes(info.path), false, false);
    expect_matches(info, check_institution_file(file, info.kind, info.path.string()), info.path.string());
  }
}
#endif

} // namespace
} // namespace receptor::synth
