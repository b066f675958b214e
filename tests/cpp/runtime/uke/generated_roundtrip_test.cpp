// Property: for generated files of every kind, side and dialect, the reader
// finds exactly the generator's truth, and writing what was read gives back
// the same bytes (so read(write(x)) == x).

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "receptor/synth/generation.hpp"
#include "receptor/uke/reader.hpp"
#include "receptor/uke/writer.hpp"

using namespace receptor;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct dialect {
  const char* name;
  bool payer_side, wareki, crlf, eof_marker, utf8;
};

class generated_month : public ::testing::TestWithParam<dialect> {
protected:
  fs::path dir() const {
    auto d = fs::temp_directory_path()
             / ("receptor_roundtrip_" + std::string{GetParam().name} + "_" + std::to_string(::getpid()));
    return d;
  }
  void TearDown() override { fs::remove_all(dir()); }
};

} // namespace

TEST_P(generated_month, reader_finds_the_truth_and_writer_gives_back_every_byte) {
  auto d = GetParam();
  for (uint64_t seed : {1u, 7u, 42u}) {
    fs::remove_all(dir());
    synth::generation_request request;
    request.out_dir = dir();
    request.month.seed = seed;
    request.month.receipts = 600;
    request.month.payer_side = d.payer_side;
    request.month.wareki = d.wareki;
    request.month.crlf = d.crlf;
    request.month.eof_marker = d.eof_marker;
    request.month.utf8 = d.utf8;
    request.month.correction_rate = d.payer_side ? 0.2 : 0.0;
    auto result = synth::generate(request);
    ASSERT_TRUE(result.has_value()) << result.error_value().message;
    uint64_t receipts = 0;
    for (auto& truth : result->files) {
      SCOPED_TRACE(truth.path.string() + " seed " + std::to_string(seed));
      auto bytes = slurp(truth.path);
      auto batch = uke::read_bytes(bytes, truth.path.string());
      EXPECT_EQ(batch.kind, truth.kind);
      EXPECT_EQ(batch.side == model::file_side::payer, truth.payer_side);
      EXPECT_EQ(batch.encoding, d.utf8 ? model::text_encoding::utf8 : model::text_encoding::cp932);
      EXPECT_EQ(batch.receipts.size(), truth.receipts);
      EXPECT_EQ(batch.lines, truth.records);
      EXPECT_EQ(batch.accounted_lines(), batch.lines);
      EXPECT_EQ(batch.quarantine.size(), 0u);
      EXPECT_TRUE(batch.diagnostics.empty()) << batch.diagnostics.front().message;
      int64_t points = 0, claimed = 0;
      uint64_t corrected = 0;
      for (size_t r = 0; r < batch.receipts.size(); ++r) {
        points += batch.receipts.points[r];
        claimed += batch.receipts.claimed_points[r];
        corrected += batch.receipts.corrected[r] > 0;
      }
      EXPECT_EQ(points, truth.points);
      EXPECT_EQ(claimed, truth.claimed_points);
      EXPECT_EQ(corrected, truth.corrected_receipts);
      if (batch.go.present) {
        EXPECT_EQ(batch.go.claims, static_cast<int64_t>(truth.claims));
      }
      std::array<uint64_t, 100> ko_by_law{};
      for (size_t c = 0; c < batch.coverages.size(); ++c)
        if (batch.coverages.record[c] == uke::rec::KO)
          ++ko_by_law[batch.coverages.law_no[c]];
      for (size_t law = 1; law < 100; ++law)
        EXPECT_EQ(ko_by_law[law], truth.ko_by_law[law]) << "法別 " << law;
      EXPECT_EQ(uke::write(batch), bytes);
      receipts += batch.receipts.size();
    }
    EXPECT_EQ(receipts, 600u);
  }
}

INSTANTIATE_TEST_SUITE_P(
  dialects, generated_month,
  ::testing::Values(dialect{"institution", false, false, true, true, false},
                    dialect{"payer", true, false, true, true, false},
                    dialect{"legacy_wareki_lf", false, true, false, false, false},
                    dialect{"payer_utf8", true, false, false, true, true}),
  [](const ::testing::TestParamInfo<dialect>& param) { return std::string{param.param.name}; });
