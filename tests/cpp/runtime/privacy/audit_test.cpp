#include "receptor/privacy/audit.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace receptor::privacy;

TEST(Audit, CanonicalJsonSortsKeysAndEscapesLikePython) {
  audit_fields f{{"b", int64_t{2}}, {"a", std::string{"氏名\t\"x\"\\\x01"}}, {"c", std::vector<std::string>{"p", "q"}}};
  EXPECT_EQ(canonical_json(f), "{\"a\":\"氏名\\t\\\"x\\\"\\\\\\u0001\",\"b\":2,\"c\":[\"p\",\"q\"]}");
  // json.dumps writes \b and \f in their two-character forms.
  EXPECT_EQ(canonical_json({{"k", std::string{"\b\f\x1f"}}}), "{\"k\":\"\\b\\f\\u001f\"}");
}

TEST(Audit, EntriesAreHashChained) {
  auto dir = fs::temp_directory_path() / ("receptor_audit_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto log = dir / "audit.jsonl";
  ASSERT_FALSE(append_audit(log, {{"user", std::string{"batch"}}, {"action", std::string{"purge"}},
                                  {"rows", int64_t{3}}}));
  ASSERT_FALSE(append_audit(log, {{"user", std::string{"batch"}}, {"action", std::string{"purge"}}}));
  struct stat st {};
  ASSERT_EQ(::stat(log.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(log);
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(in, first));
  ASSERT_TRUE(std::getline(in, second));
  EXPECT_FALSE(std::getline(in, extra));
  // Recompute the first hash from the documented rule.
  auto hash_at = first.find("\"hash\":\"");
  ASSERT_NE(hash_at, std::string::npos);
  auto hash = first.substr(hash_at + 8, 64);
  auto without = first.substr(0, hash_at) + first.substr(hash_at + 8 + 64 + 2);
  EXPECT_EQ(sha256_hex(without), hash) << without;
  EXPECT_NE(first.find("\"prev_hash\":\"\""), std::string::npos);
  EXPECT_NE(first.find("\"seq\":1"), std::string::npos);
  EXPECT_NE(first.find("\"role\":\"\""), std::string::npos);
  EXPECT_NE(first.find("\"subjects\":[]"), std::string::npos);
  EXPECT_NE(second.find("\"seq\":2"), std::string::npos);
  EXPECT_NE(second.find("\"prev_hash\":\"" + hash + "\""), std::string::npos);
  // A log whose last line is not an entry is not appended to.
  std::ofstream(log, std::ios::app) << "garbage\n";
  EXPECT_TRUE(append_audit(log, {}));
  fs::remove_all(dir);
}
