#include "receptor/uke/writer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "receptor/uke/reader.hpp"
#include "test_data.hpp"

using namespace receptor;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

// Reading then writing gives back every byte of real files written by others.
TEST(writer, samples_round_trip_byte_for_byte) {
  for (auto path : {test::samples::institution_medical, test::samples::payer_medical,
                    test::samples::orca_shaho, test::samples::orca_dental, test::samples::orca("01.csv"),
                    test::samples::orca("kokuho_201811.csv")}) {
    auto original = slurp(path);
    auto batch = uke::read_bytes(original, path);
    EXPECT_EQ(uke::write(batch), original) << path;
  }
}

TEST(writer, typed_rows_are_rendered_from_columns) {
  std::string text = "IR,1,13,1,1234560,,医院,202408,00,\n"
                     "RE,1,1212,202407,生保　花子,2,19600101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "KO,12131017,1234566,,1,75,,,,,,\n"
                     "SI,12,5,112007410,,75,1,,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,\n";
  auto batch = uke::read_bytes(text, "t");
  ASSERT_EQ(batch.items.size(), 1u);
  EXPECT_FALSE(batch.items.flags[0] & model::row_flag::raw);
  batch.items.points[0] = 80; // a change in the columns shows in the output
  auto out = uke::write(batch);
  EXPECT_NE(out.find("SI,12,5,112007410,,80,1,"), std::string::npos);
}
