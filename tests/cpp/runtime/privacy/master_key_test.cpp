#include "receptor/privacy/master_key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using receptor::privacy::master_key;

namespace {

constexpr const char* hex_a = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// Sets environment variables for one test and restores them after.
class key_environment : public ::testing::Test {
protected:
  void SetUp() override {
    for (auto* name : {"RECEPTOR_KEY_FILE", "RECEPTOR_MASTER_KEY", "XDG_CONFIG_HOME"}) {
      auto* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>{v} : std::nullopt);
      ::unsetenv(name);
    }
    dir_ = fs::temp_directory_path() / ("receptor_key_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  }
  void TearDown() override {
    for (auto& [name, v] : saved_)
      v ? ::setenv(name.c_str(), v->c_str(), 1) : ::unsetenv(name.c_str());
    fs::remove_all(dir_);
  }
  fs::path write_key_file(const char* name, const std::string& text, fs::perms mode) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    fs::permissions(p, mode);
    return p;
  }
  fs::path dir_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

} // namespace

TEST(MasterKey, FromHexHasTheDocumentedKeyId) {
  auto k = master_key::from_hex(hex_a, "test");
  ASSERT_TRUE(k) << k.error_value().message;
  EXPECT_EQ(k->key_id().size(), 8u);
  EXPECT_EQ(k->bytes()[31], 0x1f);
  // First 8 hex digits of SHA-256 over the 32 key bytes 00..1f.
  EXPECT_EQ(k->key_id(), "630dcd29");
}

TEST(MasterKey, MalformedHexIsRefusedNamingTheSource) {
  auto short_key = master_key::from_hex("abcd", "RECEPTOR_MASTER_KEY");
  ASSERT_FALSE(short_key);
  EXPECT_NE(short_key.error_value().message.find("RECEPTOR_MASTER_KEY"), std::string::npos);
  std::string bad(64, 'a');
  bad[10] = 'x';
  auto not_hex = master_key::from_hex(bad, "k");
  ASSERT_FALSE(not_hex);
  EXPECT_NE(not_hex.error_value().message.find("character 11"), std::string::npos);
}

TEST_F(key_environment, KeyFileReadableByOthersIsRefused) {
  auto open_file = write_key_file("open.key", hex_a, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto k = master_key::from_file(open_file);
  ASSERT_FALSE(k);
  EXPECT_NE(k.error_value().message.find("0640"), std::string::npos) << k.error_value().message;
  auto closed = write_key_file("closed.key", std::string{hex_a} + "\n", fs::perms::owner_read | fs::perms::owner_write);
  auto ok = master_key::from_file(closed);
  ASSERT_TRUE(ok) << ok.error_value().message;
  EXPECT_EQ(ok->key_id(), "630dcd29");
}

TEST_F(key_environment, KeyFileVariableWinsOverTheKeyVariable) {
  auto file = write_key_file("k.key", hex_a, fs::perms::owner_read);
  ::setenv("RECEPTOR_KEY_FILE", file.c_str(), 1);
  ::setenv("RECEPTOR_MASTER_KEY", std::string(64, 'f').c_str(), 1);
  auto k = master_key::load();
  ASSERT_TRUE(k) << k.error_value().message;
  EXPECT_EQ(k->key_id(), "630dcd29");
  ::unsetenv("RECEPTOR_KEY_FILE");
  auto from_variable = master_key::load();
  ASSERT_TRUE(from_variable);
  EXPECT_NE(from_variable->key_id(), "630dcd29");
  EXPECT_EQ(from_variable->source(), "RECEPTOR_MASTER_KEY");
}

TEST_F(key_environment, DefaultKeyFileIsCreatedOwnerOnlyOnFirstLoadAndReusedAfter) {
  auto found = master_key::find();
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found) << "find() must not create a key";
  EXPECT_FALSE(fs::exists(dir_ / "receptor" / "master.key"));
  auto first = master_key::load();
  ASSERT_TRUE(first) << first.error_value().message;
  auto file = dir_ / "receptor" / "master.key";
  ASSERT_TRUE(fs::exists(file));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(file.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the folder made for the key is owner-only";
  auto second = master_key::load();
  ASSERT_TRUE(second);
  EXPECT_EQ(first->key_id(), second->key_id());
  EXPECT_EQ(first->bytes(), second->bytes());
}
