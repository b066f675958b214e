#include "receptor/privacy/sealed_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "receptor/privacy/base64.hpp"

namespace fs = std::filesystem;
using namespace receptor::privacy;

namespace {
master_key key_of(char digit) { return *master_key::from_hex(std::string(64, digit), "test"); }
} // namespace

TEST(SealedFile, RoundTripAndHeader) {
  auto a = key_of('1');
  std::string text = "RE,1,1116,42504,ﾔﾏﾀﾞ ﾀﾛｳ,1,3250101\r\n";
  auto sealed = seal_file_bytes(a, text);
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(is_sealed_file(*sealed));
  EXPECT_EQ(sealed->substr(9, 8), a.key_id());
  EXPECT_EQ(sealed->find("3250101"), std::string::npos);
  auto opened = open_file_bytes(a, *sealed, "store/deliveries/x");
  ASSERT_TRUE(opened) << opened.error_value().message;
  EXPECT_EQ(*opened, text);
  auto empty = seal_file_bytes(a, "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*open_file_bytes(a, *empty, "e"), "");
}

TEST(SealedFile, WrongKeyTamperingAndTruncationNameTheFile) {
  auto a = key_of('1'), b = key_of('2');
  auto sealed = *seal_file_bytes(a, "claims");
  auto wrong = open_file_bytes(b, sealed, "store/claims/abc.bin");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error_value().message.find("store/claims/abc.bin"), std::string::npos);
  EXPECT_NE(wrong.error_value().message.find("wrong key"), std::string::npos);
  // Every byte is covered: header (associated data), wrapped key, nonce, body, tag.
  for (size_t at = 8; at < sealed.size(); at += 7) {
    auto bad = sealed;
    bad[at] = static_cast<char>(bad[at] ^ 0x04);
    EXPECT_FALSE(open_file_bytes(a, bad, "f")) << "flipped byte " << at;
  }
  for (size_t n : {size_t{0}, size_t{5}, size_t{20}, sealed.size() - 1})
    EXPECT_FALSE(open_file_bytes(a, sealed.substr(0, n), "f")) << "cut at " << n;
}

TEST(SealedFile, WrittenOwnerOnlyAndReadBack) {
  auto dir = fs::temp_directory_path() / ("receptor_sealed_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto old_mask = ::umask(0);  // the widest umask: the file must still be 0600
  auto a = key_of('3');
  ASSERT_FALSE(write_sealed_file(dir / "f.bin", a, "abc"));
  ::umask(old_mask);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "f.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = read_sealed_file(dir / "f.bin", a);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "abc");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1) << "no temporary left";
  fs::remove_all(dir);
}

TEST(Base64, RoundTripsAndRefusesNonBase64) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(*base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("abc"), "YWJj");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_FALSE(base64_decode("YWJ"));
  EXPECT_FALSE(base64_decode("Y=Jj"));
  EXPECT_FALSE(base64_decode("YW*j"));
}
