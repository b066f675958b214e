#include "receptor/store/result_file.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace receptor;
using namespace receptor::store;
namespace fs = std::filesystem;

namespace {

template <class T>
using limits = std::numeric_limits<T>;

/// A fresh folder per test, removed afterwards.
class result_file_test : public ::testing::Test {
protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "receptor-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (auto& entry : fs::directory_iterator{dir_})
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

result_attributes sample_attributes() {
  result_attributes attrs;
  attrs.schema_version = 3;
  attrs.engine_version = "0.1.0";
  attrs.created_at = "2024-07-16T09:30:00Z";
  attrs.config = R"({"frequent_visits": {"days": 15}, "名前": "設定"})";
  attrs.inputs = R"([{"file": "RECEIPTC.UKE", "size": 10, "sha256": "ab"}])";
  return attrs;
}

string_array strings(std::initializer_list<std::string_view> xs) {
  string_array out;
  for (auto x : xs)
    out.push_back(x);
  return out;
}

bool_array bools(std::initializer_list<bool> xs) {
  bool_array out;
  for (auto x : xs)
    out.push_back(x);
  return out;
}

template <class T>
nullable_array<T> nullables(std::initializer_list<std::optional<T>> xs) {
  nullable_array<T> out;
  for (auto x : xs)
    out.push_back(x);
  return out;
}

/// Three rows of every column type, limits and awkward values included.
column_table every_type() {
  column_table t;
  auto add = [&t](std::string name, column_data data) { ASSERT_FALSE(t.add(std::move(name), std::move(data))); };
  add("i8", std::vector<int8_t>{limits<int8_t>::min(), 0, limits<int8_t>::max()});
  add("i16", std::vector<int16_t>{limits<int16_t>::min(), -1, limits<int16_t>::max()});
  add("i32", std::vector<int32_t>{limits<int32_t>::min(), 7, limits<int32_t>::max()});
  add("i64", std::vector<int64_t>{limits<int64_t>::min(), -7, limits<int64_t>::max()});
  add("u8", std::vector<uint8_t>{0, 12, limits<uint8_t>::max()});
  add("u16", std::vector<uint16_t>{0, 25, limits<uint16_t>::max()});
  add("u32", std::vector<uint32_t>{0, 202407, limits<uint32_t>::max()});
  add("u64", std::vector<uint64_t>{0, 1, limits<uint64_t>::max()});
  add("f64", std::vector<double>{-0.0, std::nan(""), limits<double>::infinity()});
  add("flag", bools({true, false, true}));
  add("text", strings({"", "日本語の詳細", "MATCHED"}));
  add("n_i8", nullables<int8_t>({limits<int8_t>::min(), std::nullopt, 1}));
  add("n_i16", nullables<int16_t>({std::nullopt, 2, std::nullopt}));
  add("n_i32", nullables<int32_t>({3, std::nullopt, limits<int32_t>::max()}));
  add("n_i64", nullables<int64_t>({limits<int64_t>::min(), std::nullopt, 0}));
  add("n_u8", nullables<uint8_t>({std::nullopt, std::nullopt, std::nullopt}));
  add("n_u16", nullables<uint16_t>({1, 2, 3}));
  add("n_u32", nullables<uint32_t>({limits<uint32_t>::max(), std::nullopt, 0}));
  add("n_u64", nullables<uint64_t>({std::nullopt, limits<uint64_t>::max(), 5}));
  add("受給者番号", strings({"1234567", "", "7654321"}));
  return t;
}

// Compares two tables cell by cell; NaN equals NaN and -0.0 keeps its sign.
void expect_same(const column_table& expected_table, const column_table& actual) {
  ASSERT_EQ(actual.rows(), expected_table.rows());
  ASSERT_EQ(actual.columns().size(), expected_table.columns().size());
  for (size_t c = 0; c < actual.columns().size(); ++c) {
    auto& want = expected_table.columns()[c];
    auto& got = actual.columns()[c];
    SCOPED_TRACE(want.name);
    EXPECT_EQ(got.name, want.name);
    ASSERT_EQ(got.data.index(), want.data.index()) << "column type changed";
    std::visit(
      [&](const auto& xs) {
        using data_type = std::decay_t<decltype(xs)>;
        auto& ys = std::get<data_type>(got.data);
        ASSERT_EQ(ys.size(), xs.size());
        for (size_t i = 0; i < xs.size(); ++i) {
          if constexpr (std::is_same_v<data_type, std::vector<double>>) {
            if (std::isnan(xs[i])) {
              EXPECT_TRUE(std::isnan(ys[i])) << "row " << i;
            } else {
              EXPECT_EQ(ys[i], xs[i]) << "row " << i;
              EXPECT_EQ(std::signbit(ys[i]), std::signbit(xs[i])) << "row " << i;
            }
          } else {
            EXPECT_EQ(ys[i], xs[i]) << "row " << i;
          }
        }
      },
      want.data);
  }
}

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

error write_file(const std::string& path, const column_table& table, const result_attributes& attrs) {
  result_file_writer writer;
  if (auto err = writer.open(path))
    return err;
  if (auto err = writer.write_attributes(attrs))
    return err;
  if (auto err = writer.write_table("t", table))
    return err;
  return writer.commit();
}

} // namespace

// ---- column_table -------------------------------------------------------------

TEST(column_table, rejects_unequal_lengths) {
  column_table t;
  ASSERT_FALSE(t.add("a", std::vector<int64_t>{1, 2, 3}));
  auto err = t.add("b", strings({"x", "y"}));
  EXPECT_EQ(err.code, ec::invalid_argument);
  EXPECT_NE(err.message.find("'b' has 2 rows, the table has 3"), std::string::npos) << err.message;
  EXPECT_EQ(t.columns().size(), 1u);
  EXPECT_EQ(t.rows(), 3u);
}

TEST(column_table, rejects_bad_names) {
  column_table t;
  ASSERT_FALSE(t.add("a", std::vector<int64_t>{}));
  for (auto& name : std::vector<std::string>{"", "_index", "x/y", ".", "a", std::string{"a\0b", 3}, "\xff"})
    EXPECT_EQ(t.add(name, std::vector<int64_t>{}).code, ec::invalid_argument) << name;
  EXPECT_EQ(t.columns().size(), 1u);
}

TEST(column_table, rejects_strings_an_h5py_reader_could_not_decode) {
  column_table t;
  auto err = t.add("bad", strings({"ok", "caf\xe9", "ok"})); // Latin-1, not UTF-8
  EXPECT_EQ(err.code, ec::invalid_argument);
  EXPECT_NE(err.message.find("row 1"), std::string::npos) << err.message;
  err = t.add("nul", strings({"a", "b", std::string_view{"c\0d", 3}}));
  EXPECT_NE(err.message.find("row 2"), std::string::npos) << err.message;
  err = t.add("cut", strings({"\xe6\x97"})); // a truncated 日
  EXPECT_EQ(err.code, ec::invalid_argument);
  EXPECT_TRUE(t.columns().empty());
  EXPECT_FALSE(t.add("good", strings({"", "日本語", "\xf0\x9f\x99\x82"})));
}

TEST(column_table, finds_columns_by_name_and_type) {
  auto t = every_type();
  ASSERT_NE(t.get<string_array>("text"), nullptr);
  EXPECT_EQ((*t.get<string_array>("text"))[1], "日本語の詳細");
  EXPECT_EQ(t.get<std::vector<int64_t>>("text"), nullptr);
  EXPECT_EQ(t.find("missing"), nullptr);
  auto& n = *t.get<nullable_array<int32_t>>("n_i32");
  EXPECT_EQ(n[0], 3);
  EXPECT_EQ(n[1], std::nullopt);
  EXPECT_EQ(n.values()[1], 0); // missing values are stored as 0
  EXPECT_TRUE(n.mask()[1]);
}

TEST(column_table, reports_non_finite_doubles) {
  column_table t;
  ASSERT_FALSE(t.add("ok", std::vector<double>{1, 2, 3, 4}));
  ASSERT_FALSE(t.add("bad", std::vector<double>{1, std::nan(""), -limits<double>::infinity(), 0}));
  ASSERT_FALSE(t.add("n", std::vector<int64_t>{1, 2, 3, 4}));
  auto reports = find_non_finite(t);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].column, "bad");
  EXPECT_EQ(reports[0].count, 2u);
  EXPECT_EQ(reports[0].first_row, 1u);
}

// ---- writing and reading ----------------------------------------------------

TEST_F(result_file_test, round_trips_every_type) {
  auto table = every_type();
  ASSERT_FALSE(write_file(file("r.h5"), table, sample_attributes()));
  auto back = read_table(file("r.h5"), "t");
  ASSERT_TRUE(back) << back.error_value().message;
  expect_same(table, *back);
}

TEST_F(result_file_test, round_trips_several_chunks) {
  // 65536 rows per chunk: three chunks, the last one partial.
  constexpr size_t rows = 150001;
  column_table table;
  std::vector<int64_t> ids(rows);
  std::vector<double> scores(rows);
  string_array keys;
  bool_array flags;
  nullable_array<uint32_t> tickets;
  for (size_t i = 0; i < rows; ++i) {
    ids[i] = static_cast<int64_t>(i * 7919);
    scores[i] = static_cast<double>(i) / 3.0;
    keys.push_back(i % 5 == 0 ? std::string{} : "鍵-" + std::to_string(i));
    flags.push_back(i % 3 == 0);
    tickets.push_back(i % 4 == 0 ? std::nullopt : std::optional<uint32_t>(static_cast<uint32_t>(i)));
  }
  ASSERT_FALSE(table.add("id", std::move(ids)));
  ASSERT_FALSE(table.add("score", std::move(scores)));
  ASSERT_FALSE(table.add("key", std::move(keys)));
  ASSERT_FALSE(table.add("flag", std::move(flags)));
  ASSERT_FALSE(table.add("ticket", std::move(tickets)));
  ASSERT_FALSE(write_file(file("big.h5"), table, sample_attributes()));
  auto back = read_table(file("big.h5"), "t");
  ASSERT_TRUE(back) << back.error_value().message;
  expect_same(table, *back);
}

TEST_F(result_file_test, round_trips_empty_tables) {
  // Every type with 0 rows, and a table without columns.
  auto full = every_type();
  column_table empty;
  for (auto& col : full.columns())
    ASSERT_FALSE(empty.add(col.name, std::visit([](const auto& xs) { return column_data{std::decay_t<decltype(xs)>{}}; },
                                                col.data)));
  result_file_writer writer;
  ASSERT_FALSE(writer.open(file("e.h5")));
  ASSERT_FALSE(writer.write_attributes(sample_attributes()));
  ASSERT_FALSE(writer.write_table("empty", empty));
  ASSERT_FALSE(writer.write_table("no_columns", column_table{}));
  ASSERT_FALSE(writer.commit());
  auto back = read_table(file("e.h5"), "empty");
  ASSERT_TRUE(back) << back.error_value().message;
  expect_same(empty, *back);
  auto none = read_table(file("e.h5"), "no_columns");
  ASSERT_TRUE(none) << none.error_value().message;
  EXPECT_EQ(none->rows(), 0u);
  EXPECT_TRUE(none->columns().empty());
}

TEST_F(result_file_test, round_trips_attributes) {
  auto attrs = sample_attributes();
  attrs.config = R"({"big": ")" + std::string(1 << 20, 'x') + R"("})"; // larger than an object header
  ASSERT_FALSE(write_file(file("a.h5"), column_table{}, attrs));
  auto back = read_attributes(file("a.h5"));
  ASSERT_TRUE(back) << back.error_value().message;
  EXPECT_EQ(back->schema_version, 3);
  EXPECT_EQ(back->engine_version, "0.1.0");
  EXPECT_EQ(back->created_at, "2024-07-16T09:30:00Z");
  EXPECT_EQ(back->config, attrs.config);
  EXPECT_EQ(back->inputs, attrs.inputs);
}

TEST_F(result_file_test, stamps_created_at_in_utc) {
  auto attrs = sample_attributes();
  attrs.created_at.clear();
  ASSERT_FALSE(write_file(file("a.h5"), column_table{}, attrs));
  auto back = read_attributes(file("a.h5"));
  ASSERT_TRUE(back) << back.error_value().message;
  EXPECT_TRUE(std::regex_match(back->created_at, std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"}))
    << back->created_at;
}

TEST_F(result_file_test, rejects_attribute_text_that_is_not_utf8) {
  result_file_writer writer;
  ASSERT_FALSE(writer.open(file("a.h5")));
  auto attrs = sample_attributes();
  attrs.config = "\x82\xa0"; // CP932, not UTF-8
  EXPECT_EQ(writer.write_attributes(attrs).code, ec::invalid_argument);
}

// ---- atomic publication -----------------------------------------------------

TEST_F(result_file_test, final_path_appears_only_at_commit) {
  auto path = file("results.h5");
  result_file_writer writer;
  ASSERT_FALSE(writer.open(path));
  EXPECT_EQ(writer.temp_path(), path + ".tmp-" + std::to_string(::getpid()));
  ASSERT_FALSE(writer.write_attributes(sample_attributes()));
  ASSERT_FALSE(writer.write_table("t", every_type()));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists(writer.temp_path()));
  ASSERT_FALSE(writer.commit());
  EXPECT_FALSE(writer.is_open());
  EXPECT_EQ(listing(), std::vector<std::string>{"results.h5"});
  EXPECT_TRUE(read_table(path, "t"));
}

TEST_F(result_file_test, uncommitted_writer_leaves_previous_file_intact) {
  auto path = file("results.h5");
  ASSERT_FALSE(write_file(path, every_type(), sample_attributes()));
  auto before = slurp(path);
  {
    result_file_writer writer;
    ASSERT_FALSE(writer.open(path));
    auto attrs = sample_attributes();
    attrs.schema_version = 99;
    ASSERT_FALSE(writer.write_attributes(attrs));
    ASSERT_FALSE(writer.write_table("t", column_table{}));
    EXPECT_EQ(listing().size(), 2u); // final + temporary
  } // destroyed without commit
  EXPECT_EQ(listing(), std::vector<std::string>{"results.h5"});
  EXPECT_EQ(slurp(path), before);
  EXPECT_EQ(read_attributes(path)->schema_version, 3);
}

TEST_F(result_file_test, commit_replaces_previous_file) {
  auto path = file("results.h5");
  ASSERT_FALSE(write_file(path, every_type(), sample_attributes()));
  auto attrs = sample_attributes();
  attrs.schema_version = 4;
  ASSERT_FALSE(write_file(path, column_table{}, attrs));
  EXPECT_EQ(read_attributes(path)->schema_version, 4);
  EXPECT_EQ(read_table(path, "t")->rows(), 0u);
  EXPECT_EQ(listing(), std::vector<std::string>{"results.h5"});
}

TEST_F(result_file_test, commit_without_attributes_is_refused) {
  auto path = file("results.h5");
  result_file_writer writer;
  ASSERT_FALSE(writer.open(path));
  ASSERT_FALSE(writer.write_table("t", every_type()));
  EXPECT_EQ(writer.commit().code, ec::invalid_argument);
  EXPECT_TRUE(listing().empty());
}

TEST_F(result_file_test, failed_write_blocks_commit) {
  auto path = file("results.h5");
  result_file_writer writer;
  ASSERT_FALSE(writer.open(path));
  ASSERT_FALSE(writer.write_attributes(sample_attributes()));
  ASSERT_FALSE(writer.write_table("t", every_type()));
  auto err = writer.write_table("t", every_type());
  EXPECT_EQ(err.code, ec::invalid_argument);
  EXPECT_NE(err.message.find("already written"), std::string::npos) << err.message;
  EXPECT_EQ(writer.write_table("a/b", column_table{}).code, ec::invalid_argument);
  err = writer.commit();
  EXPECT_NE(err.message.find("an earlier write failed"), std::string::npos) << err.message;
  EXPECT_TRUE(listing().empty());
}

TEST_F(result_file_test, discard_removes_the_temporary_file) {
  result_file_writer writer;
  ASSERT_FALSE(writer.open(file("results.h5")));
  writer.discard();
  EXPECT_FALSE(writer.is_open());
  EXPECT_TRUE(listing().empty());
  // The writer can be used again.
  ASSERT_FALSE(writer.open(file("results.h5")));
  ASSERT_FALSE(writer.write_attributes(sample_attributes()));
  ASSERT_FALSE(writer.commit());
  EXPECT_EQ(listing(), std::vector<std::string>{"results.h5"});
}

TEST_F(result_file_test, files_are_owner_only) {
  auto path = file("results.h5");
  auto old_mask = ::umask(0); // the most permissive umask must not leak through
  result_file_writer writer;
  auto err = writer.open(path);
  ::umask(old_mask);
  ASSERT_FALSE(err) << err.message;
  struct stat st {};
  ASSERT_EQ(::stat(writer.temp_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_FALSE(writer.write_attributes(sample_attributes()));
  ASSERT_FALSE(writer.commit());
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// ---- errors -------------------------------------------------------------------

TEST_F(result_file_test, unwritable_folder_is_an_error) {
  // A "folder" that is a regular file: fails even for root.
  std::ofstream{file("plain")} << "x";
  result_file_writer writer;
  auto err = writer.open(file("plain") + "/results.h5");
  EXPECT_EQ(err.code, ec::io_error);
  EXPECT_NE(err.message.find(file("plain") + "/results.h5.tmp-"), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("Not a directory"), std::string::npos) << err.message;
  EXPECT_FALSE(writer.is_open());
}

TEST_F(result_file_test, read_only_folder_is_an_error) {
  auto locked = dir_ / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  // Root (CAP_DAC_OVERRIDE) writes into any folder, but not into sysfs.
  auto folder = geteuid() == 0 ? fs::path{"/sys"} : locked;
  result_file_writer writer;
  auto target = (folder / "receptor-results.h5").string();
  auto err = writer.open(target);
  EXPECT_EQ(err.code, ec::io_error);
  EXPECT_NE(err.message.find(target), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("Permission denied"), std::string::npos) << err.message;
}

TEST_F(result_file_test, read_errors_name_the_file_and_the_call) {
  std::ofstream{file("not.h5")} << "not an HDF5 file";
  auto bad = read_table(file("not.h5"), "t");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error_value().code, ec::io_error);
  EXPECT_NE(bad.error_value().message.find(file("not.h5") + ": H5Fopen failed"), std::string::npos)
    << bad.error_value().message;
  EXPECT_NE(bad.error_value().message.find("file signature not found"), std::string::npos)
    << bad.error_value().message;

  ASSERT_FALSE(write_file(file("r.h5"), every_type(), sample_attributes()));
  auto missing = read_table(file("r.h5"), "findings");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error_value().code, ec::format_error);
  EXPECT_NE(missing.error_value().message.find("no such table"), std::string::npos);
  EXPECT_EQ(read_attributes(file("absent.h5")).error_value().code, ec::io_error);
}

// ---- readers outside C++ ------------------------------------------------------

// The readers analysts use: python3 with h5py and pandas (scripts/setup.sh
// installs them) must read what the writer wrote.
TEST_F(result_file_test, h5py_and_pandas_read_the_file) {
  ASSERT_FALSE(write_file(file("r.h5"), every_type(), sample_attributes()));
  // No single quotes inside: the script is passed in single quotes.
  const char* script = R"py(
import sys, h5py, numpy as np, pandas as pd
def column(obj):
    kind = obj.attrs["encoding-type"]
    if kind == "string-array":
        return obj.asstr()[()]
    if kind == "nullable-integer":
        return pd.arrays.IntegerArray(obj["values"][()], obj["mask"][()])
    return obj[()]
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["format"] == "receptor-results"
    assert int(f.attrs["schema_version"]) == 3
    assert "設定" in f.attrs["config"]
    g = f["t"]
    assert g.attrs["encoding-type"] == "dataframe" and g.attrs["encoding-version"] == "0.2.0"
    order = list(g.attrs["column-order"])
    df = pd.DataFrame({k: column(g[k]) for k in order}, index=g[g.attrs["_index"]][()], columns=order)
assert list(df.columns)[:3] == ["i8", "i16", "i32"] and df.columns[-1] == "受給者番号", list(df.columns)
for name, dtype in [("i8", "int8"), ("u64", "uint64"), ("f64", "float64"), ("flag", "bool"),
                    ("n_i32", "Int32"), ("n_u64", "UInt64")]:
    assert str(df[name].dtype) == dtype, (name, df[name].dtype)
assert df["text"].tolist() == ["", "日本語の詳細", "MATCHED"]
assert df["n_i16"].isna().tolist() == [True, False, True]
assert df["flag"].tolist() == [True, False, True]
assert np.isnan(df["f64"][1]) and np.isinf(df["f64"][2])
assert df.index.tolist() == [0, 1, 2]
)py";
  auto command = std::string{"python3 -c '"} + script + "' '" + file("r.h5") + "'";
  auto status = std::system(command.c_str());
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
}
