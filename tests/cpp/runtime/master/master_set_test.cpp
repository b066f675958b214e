#include "receptor/master/master_set.hpp"
#include "receptor/master/quoted_csv.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#ifndef RECEPTOR_SOURCE_DIR
#define RECEPTOR_SOURCE_DIR "."
#endif

namespace receptor::master {
namespace {

namespace fs = std::filesystem;

const fs::path source_dir{RECEPTOR_SOURCE_DIR};
const fs::path fixtures = source_dir / "tests" / "data" / "masters";
const fs::path shipped_masters = source_dir / "data" / "masters";

struct csv_row {
  size_t line;
  std::vector<std::string> fields;
};

// Reads `bytes` and copies each row out of the reader's short-lived views.
std::vector<csv_row> read_rows(std::string_view bytes, error* err = nullptr) {
  std::vector<csv_row> rows;
  error result = read_quoted_csv(bytes, [&](size_t line, const std::vector<std::string_view>& fields) {
    rows.push_back({line, {fields.begin(), fields.end()}});
  });
  if (err)
    *err = result;
  else
    EXPECT_FALSE(result) << result.message;
  return rows;
}

std::vector<std::string> file_names(const master_set& set) {
  std::vector<std::string> names;
  for (const std::string& file : set.files())
    names.push_back(fs::path{file}.filename().string());
  return names;
}

// --- read_quoted_csv ---------------------------------------------------------

TEST(QuotedCsv, UnquotesFieldsAndUndoesDoubledQuotes) {
  auto rows = read_rows("\"0\",\"\",\"say \"\"hi\"\"\",\"\"\"\"\r\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"0", "", "say \"hi\"", "\""}));
}

TEST(QuotedCsv, AcceptsCrLfAndLfAndSkipsBlankLines) {
  auto rows = read_rows("\"a\",\"b\"\r\n\"c\"\n\r\n\n\"d\",\"\"");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"c"}));
  EXPECT_EQ(rows[2].line, 5u);
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"d", ""}));
}

TEST(QuotedCsv, IgnoresTrailingEofMarkAndEmptyLastLine) {
  auto rows = read_rows("\"a\"\r\n\"b\"\r\n\r\n\x1A");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"b"}));
}

TEST(QuotedCsv, ALineBreakInsideQuotesIsContentAndCounted) {
  auto rows = read_rows("\"a\nb\",\"c\"\n\"d\"\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a\nb", "c"}));
  EXPECT_EQ(rows[1].line, 3u);
}

TEST(QuotedCsv, AcceptsUnquotedValuesAndKeepsTextAfterAClosingQuote) {
  auto rows = read_rows("1,\"x\"y,,\"p\"\"q\"r\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"1", "xy", "", "p\"qr"}));
}

TEST(QuotedCsv, KeepsEveryEscapedFieldOfARowIntact) {
  // Several fields unescaped into the scratch buffer in one row.
  std::string line;
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    line += (i ? ",\"" : "\"") + std::to_string(i) + "\"\"" + std::string(40, 'z') + "\"";
    expected.push_back(std::to_string(i) + "\"" + std::string(40, 'z'));
  }
  auto rows = read_rows(line);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, expected);
}

TEST(QuotedCsv, UnterminatedQuoteNamesTheLineItOpenedOn) {
  error err;
  auto rows = read_rows("\"a\"\r\n\"b\"\r\n\"c\",\"d\r\ne\r\n", &err);
  EXPECT_EQ(err.code, ec::format_error);
  EXPECT_NE(err.message.find("line 3"), std::string::npos) << err.message;
  EXPECT_EQ(rows.size(), 2u);
}

TEST(QuotedCsv, EmptyInputHasNoRows) {
  EXPECT_TRUE(read_rows("").empty());
  EXPECT_TRUE(read_rows("\x1A").empty());
}

// --- master_set on the fixtures (real rows, CP932 bytes as shipped) ----------

TEST(MasterSetFixture, LoadsOneFullSetWithEveryDrugField) {
  master_set set;
  error err = set.load_file(fixtures / "y_ALL20240321.csv");
  ASSERT_FALSE(err) << err.message;
  EXPECT_EQ(set.drugs().size(), 5u);
  EXPECT_EQ(set.skipped_rows(), 0u);

  const drug* gaster = set.find_drug(610406079);
  ASSERT_NE(gaster, nullptr);
  EXPECT_EQ(gaster->code, 610406079u);
  EXPECT_EQ(gaster->name, "ガスター散２％");
  EXPECT_EQ(gaster->unit, "ｇ");
  EXPECT_DOUBLE_EQ(gaster->price, 16.50);
  EXPECT_EQ(gaster->narcotic_class, 0);
  EXPECT_FALSE(gaster->generic);
  EXPECT_EQ(gaster->dosage_form, 1);
  EXPECT_EQ(gaster->price_list_code, "2325003B2029");
  EXPECT_EQ(gaster->efficacy_class, 232);
  EXPECT_EQ(gaster->generic_name_code, "2325003B2ZZZ");
  EXPECT_EQ(gaster->generic_name, "【般】ファモチジン散２％");
  EXPECT_EQ(gaster->abolished_on, 99999999u);

  // ファモチジン細粒２％「サワイ」 is a 後発品 with the same 一般名コード.
  EXPECT_TRUE(set.find_drug(610463165)->generic);
  EXPECT_TRUE(set.has_generic("2325003B2ZZZ"));
  // ジスロマックカプセル小児用 has no generic in the fixture (nor in the real master).
  EXPECT_FALSE(set.has_generic("6149004M1ZZZ"));
  EXPECT_FALSE(set.has_generic(""));

  const drug* etizolam = set.find_drug(610412026);
  ASSERT_NE(etizolam, nullptr);
  EXPECT_EQ(etizolam->name, "エチゾラム錠０．５ｍｇ「ＥＭＥＣ」");
  EXPECT_TRUE(etizolam->psychotropic());
  EXPECT_EQ(etizolam->efficacy_class, 117);

  EXPECT_EQ(set.find_drug(610406080), nullptr);
  EXPECT_EQ(file_names(set), (std::vector<std::string>{"y_ALL20240321.csv"}));
}

TEST(MasterSetFixture, LoadsFullSetsFirstThenChangeFilesByDate) {
  auto set = master_set::load(fixtures);
  ASSERT_TRUE(set) << set.error_value().message;
  EXPECT_EQ(file_names(*set),
            (std::vector<std::string>{"c_ALL20230801.csv", "t_ALL20240315.csv", "y_ALL20240321.csv",
                                      "s_ALL20240531.csv", "y_20240401.csv", "y_20240501.csv",
                                      "b_20240601.csv", "z_20250601.csv"}));
  EXPECT_EQ(set->skipped_rows(), 0u);

  // y_20240401: 1 removes テンマ末 and the generic 「サワイ」, 3 adds ソセゴン, 5 reprices ガスター.
  EXPECT_EQ(set->find_drug(610406193), nullptr);
  EXPECT_EQ(set->find_drug(610463165), nullptr);
  EXPECT_DOUBLE_EQ(set->find_drug(610406079)->price, 15.90);
  EXPECT_FALSE(set->has_generic("2325003B2ZZZ"));
  // y_20240501 reprices ソセゴン again: it must come after y_20240401.
  const drug* sosegon = set->find_drug(610412196);
  ASSERT_NE(sosegon, nullptr);
  EXPECT_EQ(sosegon->name, "ソセゴン錠２５ｍｇ");
  EXPECT_DOUBLE_EQ(sosegon->price, 30.00);
  EXPECT_EQ(set->drugs().size(), 4u);
}

TEST(MasterSetFixture, FindsEveryKind) {
  auto set = master_set::load(fixtures);
  ASSERT_TRUE(set) << set.error_value().message;

  const procedure* first_visit = set->find_procedure(111000110);
  ASSERT_NE(first_visit, nullptr);
  EXPECT_EQ(first_visit->name, "初診料");
  EXPECT_EQ(first_visit->point_kind, 3);
  EXPECT_DOUBLE_EQ(first_visit->points, 291);
  EXPECT_EQ(first_visit->abolished_on, 99999999u);
  EXPECT_DOUBLE_EQ(set->find_procedure(112007410)->points, 75);

  const material* film = set->find_material(700010000);
  ASSERT_NE(film, nullptr);
  EXPECT_EQ(film->name, "半切");
  EXPECT_EQ(film->unit, "枚");
  EXPECT_DOUBLE_EQ(film->price, 120);

  const comment* note = set->find_comment(820100001);
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(note->pattern, 20);
  EXPECT_EQ(note->text, "ア　初診又は再診時に行った検査、画像診断の結果のみを聞きに来院");

  const disease* hypertension = set->find_disease(8833421);
  ASSERT_NE(hypertension, nullptr);
  EXPECT_EQ(hypertension->name, "高血圧症");
  EXPECT_EQ(hypertension->icd10, "I10");
  EXPECT_EQ(hypertension->abolished_on, 99999999u);

  const modifier* suspected = set->find_modifier(8002);
  ASSERT_NE(suspected, nullptr);
  EXPECT_EQ(suspected->name, "の疑い");
  EXPECT_TRUE(suspected->suffix());
  EXPECT_FALSE(set->find_modifier(4012)->suffix());
}

TEST(MasterSetFixture, BuildsDiseaseNamesFromModifiers) {
  auto set = master_set::load(fixtures);
  ASSERT_TRUE(set) << set.error_value().message;
  EXPECT_EQ(set->disease_name(8830417, ""), "胃炎");
  EXPECT_EQ(set->disease_name(8830417, "40128002"), "急性胃炎の疑い");
  // Suffix codes may come first in the field; they still go after the name.
  EXPECT_EQ(set->disease_name(4860030, "800220494012"), "左急性肺炎の疑い");
  // Unknown codes, non-digits and a cut-off last code are skipped.
  EXPECT_EQ(set->disease_name(4860030, "9999ab12800280"), "肺炎の疑い");
  EXPECT_EQ(set->disease_name(999, "8002", "謎の熱"), "謎の熱の疑い");
  EXPECT_EQ(set->disease_name(999, ""), "＊＊　未コード化傷病名　＊＊");
  EXPECT_EQ(set->disease_name(1234567, "", "記載のみ"), "記載のみ");
  EXPECT_EQ(set->disease_name(1234567, ""), "");
}

TEST(MasterSetFixture, NamesItemsByTheirCodesFirstDigit) {
  auto set = master_set::load(fixtures);
  ASSERT_TRUE(set) << set.error_value().message;
  EXPECT_EQ(set->item_name(111000110), "初診料");
  EXPECT_EQ(set->item_name(610406079), "ガスター散２％");
  EXPECT_EQ(set->item_name(700010000), "半切");
  EXPECT_EQ(set->item_name(820100002), "イ　往診等の後に薬剤のみを取りに来院");
  EXPECT_EQ(set->item_name(999999999), "");
  EXPECT_EQ(set->item_name(8833421), "");
}

TEST(MasterSetFixture, SkipsAndCountsUnusableRows) {
  // Line 2 has the 35 columns of the R04 layout, line 3 too few columns,
  // line 4 a code with a letter; the file ends with 0x1A.
  master_set set;
  error err = set.load_file(fixtures / "rows" / "y_ALL20240101.csv");
  ASSERT_FALSE(err) << err.message;
  EXPECT_EQ(set.drugs().size(), 2u);
  EXPECT_EQ(set.skipped_rows(), 2u);
  const drug* old_layout = set.find_drug(610406193);
  ASSERT_NE(old_layout, nullptr);
  EXPECT_EQ(old_layout->name, "テンマ末");
  EXPECT_EQ(old_layout->efficacy_class, 510);
  EXPECT_EQ(old_layout->generic_name_code, "");
}

TEST(MasterSetFixture, UnterminatedQuoteIsAnErrorNamingFileAndLine) {
  master_set set;
  const fs::path file = fixtures / "broken" / "y_ALL20240101.csv";
  error err = set.load_file(file);
  EXPECT_EQ(err.code, ec::format_error);
  EXPECT_NE(err.message.find(file.string()), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("line 3"), std::string::npos) << err.message;
  EXPECT_TRUE(set.files().empty());
}

TEST(MasterSetFixture, ReportsUnreadableInput) {
  auto missing_dir = master_set::load(fixtures / "no-such-dir");
  ASSERT_FALSE(missing_dir);
  EXPECT_EQ(missing_dir.error_value().code, ec::io_error);

  master_set set;
  EXPECT_EQ(set.load_file(fixtures / "y_ALL19990101.csv").code, ec::io_error);
  EXPECT_EQ(set.load_file(fixtures / "x_ALL20240321.csv").code, ec::invalid_argument);
}

// --- master_set on the masters the project ships -----------------------------

class ShippedMasters : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    const auto start = std::chrono::steady_clock::now();
    auto loaded = master_set::load(shipped_masters);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(loaded) << loaded.error_value().message;
    std::printf("loaded %zu master files in %.1f ms\n", loaded->files().size(),
                std::chrono::duration<double, std::milli>(elapsed).count());
    set_ = std::make_unique<master_set>(std::move(*loaded));
  }
  static void TearDownTestSuite() { set_.reset(); }

  static std::unique_ptr<master_set> set_;
};

std::unique_ptr<master_set> ShippedMasters::set_;

TEST_F(ShippedMasters, LoadsEveryRow) {
  ASSERT_NE(set_, nullptr);
  EXPECT_EQ(set_->files().size(), 6u);
  EXPECT_EQ(set_->skipped_rows(), 0u);
  // Row counts of the files (wc -l); every code is unique within its file.
  EXPECT_EQ(set_->drugs().size(), 19686u);
  EXPECT_EQ(set_->procedures().size(), 10133u);
  EXPECT_EQ(set_->materials().size(), 1334u);
  EXPECT_EQ(set_->comments().size(), 3065u);
  EXPECT_EQ(set_->diseases().size(), 27437u);
  EXPECT_EQ(set_->modifiers().size(), 2375u);
}

TEST_F(ShippedMasters, KnowsRealDrugs) {
  ASSERT_NE(set_, nullptr);
  const drug* gaster = set_->find_drug(610406079);
  ASSERT_NE(gaster, nullptr);
  EXPECT_EQ(gaster->name, "ガスター散２％");
  EXPECT_FALSE(gaster->generic);
  EXPECT_EQ(gaster->generic_name_code, "2325003B2ZZZ");
  // Five 後発品 (e.g. 610463165 「サワイ」) share it.
  EXPECT_TRUE(set_->has_generic("2325003B2ZZZ"));
  EXPECT_FALSE(set_->has_generic("6149004M1ZZZ"));

  const drug* etizolam = set_->find_drug(610412026);
  ASSERT_NE(etizolam, nullptr);
  EXPECT_TRUE(etizolam->psychotropic());

  size_t psychotropic = 0;
  size_t generic = 0;
  for (const auto& [code, d] : set_->drugs()) {
    psychotropic += d.psychotropic();
    generic += d.generic;
  }
  EXPECT_EQ(psychotropic, 392u);
  EXPECT_EQ(generic, 9018u);
}

TEST_F(ShippedMasters, KnowsRealProceduresDiseasesAndModifiers) {
  ASSERT_NE(set_, nullptr);
  const procedure* first_visit = set_->find_procedure(111000110);
  ASSERT_NE(first_visit, nullptr);
  EXPECT_EQ(first_visit->name, "初診料");
  EXPECT_DOUBLE_EQ(first_visit->points, 291);

  const disease* hypertension = set_->find_disease(8833421);
  ASSERT_NE(hypertension, nullptr);
  EXPECT_EQ(hypertension->name, "高血圧症");
  EXPECT_EQ(hypertension->icd10, "I10");

  EXPECT_EQ(set_->find_modifier(8002)->name, "の疑い");
  EXPECT_TRUE(set_->find_modifier(8002)->suffix());
  EXPECT_EQ(set_->disease_name(8830417, "40128002"), "急性胃炎の疑い");
  EXPECT_EQ(set_->item_name(820100001), "ア　初診又は再診時に行った検査、画像診断の結果のみを聞きに来院");
  EXPECT_EQ(set_->item_name(700010000), "半切");
}

} // namespace
} // namespace receptor::master
