#include "receptor/privacy/data_key.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

using namespace receptor::privacy;

namespace {

master_key key_of(char digit) {
  auto k = master_key::from_hex(std::string(64, digit), std::string{"key "} + digit);
  EXPECT_TRUE(k);
  return *k;
}

} // namespace

TEST(DataKey, SealThenOpenGivesThePlaintextBack) {
  auto k = data_key::generate();
  ASSERT_TRUE(k);
  std::string text = "山田 太郎, 東京都千代田区1-1, 19500101";
  auto sealed = k->seal(text);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), text.size() + sealed_overhead);
  EXPECT_EQ(sealed->find("山田"), std::string::npos);
  auto opened = k->open(*sealed, "f.h5");
  ASSERT_TRUE(opened) << opened.error_value().message;
  EXPECT_EQ(*opened, text);
  // A fresh nonce each time: the same text never seals to the same bytes.
  EXPECT_NE(*k->seal(text), *sealed);
}

TEST(DataKey, EmptyInputRoundTrips) {
  auto k = data_key::generate();
  auto sealed = k->seal("");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), sealed_overhead);
  auto opened = k->open(*sealed, "f");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "");
  auto truncated = k->open(sealed->substr(0, 27), "f.h5 row 3");
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error_value().message.find("f.h5 row 3"), std::string::npos);
}

TEST(DataKey, WrongKeyOrTamperedByteIsAClearError) {
  auto k = data_key::generate();
  auto other = data_key::generate();
  auto sealed = *k->seal("1234567");
  auto wrong = other->open(sealed, "results.h5: /receipts/recipient_no row 0");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error_value().message.find("results.h5"), std::string::npos);
  EXPECT_NE(wrong.error_value().message.find("wrong key or altered"), std::string::npos);
  for (size_t at : {size_t{0}, size_t{13}, sealed.size() - 1}) {
    auto bad = sealed;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    EXPECT_FALSE(k->open(bad, "f")) << "flipped byte " << at;
  }
  auto with_aad = *k->seal("x", "header");
  EXPECT_TRUE(k->open(with_aad, "f", "header"));
  EXPECT_FALSE(k->open(with_aad, "f", "Header"));
}

TEST(DataKey, WrappedKeyOpensOnlyWithItsMasterKey) {
  auto k = data_key::generate();
  auto sealed = *k->seal("受給者番号 1234567");
  auto a = key_of('a'), b = key_of('b');
  auto wrapped = k->wrap(a);
  ASSERT_TRUE(wrapped);
  auto back = data_key::unwrap(a, *wrapped, a.key_id(), "x.h5");
  ASSERT_TRUE(back) << back.error_value().message;
  EXPECT_EQ(*back->open(sealed, "x"), "受給者番号 1234567");
  auto wrong = data_key::unwrap(b, *wrapped, a.key_id(), "x.h5");
  ASSERT_FALSE(wrong);
  auto& msg = wrong.error_value().message;
  EXPECT_NE(msg.find("x.h5"), std::string::npos);
  EXPECT_NE(msg.find("wrong key"), std::string::npos) << msg;
  EXPECT_NE(msg.find(a.key_id()), std::string::npos) << msg;
  // Same id claimed, other key: the tag catches it.
  auto lying = data_key::unwrap(b, *wrapped, b.key_id(), "x.h5");
  ASSERT_FALSE(lying);
  auto tampered = *wrapped;
  tampered[20] = static_cast<char>(tampered[20] ^ 0x80);
  EXPECT_FALSE(data_key::unwrap(a, tampered, a.key_id(), "x.h5"));
}

TEST(DataKey, ValueSealerMatchesSealFormatAndUsesFreshNonces) {
  auto k = data_key::generate();
  value_sealer sealer{*k};
  std::string out;
  std::vector<size_t> ends;
  // More than one block of 1024 nonces.
  for (int i = 0; i < 2100; ++i) {
    ASSERT_FALSE(sealer.seal_into(std::to_string(i), out));
    ends.push_back(out.size());
  }
  std::set<std::string> nonces;
  size_t begin = 0;
  for (int i = 0; i < 2100; ++i) {
    auto one = std::string_view{out}.substr(begin, ends[static_cast<size_t>(i)] - begin);
    auto opened = k->open(one, "x");
    ASSERT_TRUE(opened) << i;
    EXPECT_EQ(*opened, std::to_string(i));
    nonces.insert(std::string{one.substr(0, nonce_bytes)});
    begin = ends[static_cast<size_t>(i)];
  }
  EXPECT_EQ(nonces.size(), 2100u);
}

TEST(DataKey, ValueOpenerOpensWhatSealMadeAndRejectsTampering) {
  auto k = data_key::generate();
  value_opener opener{*k};
  for (const std::string& text : std::vector<std::string>{"", "1234567", "山田 花子"}) {
    auto sealed = *k->seal(text);
    auto opened = opener.open(sealed, "f.h5 row 1");
    ASSERT_TRUE(opened) << opened.error_value().message;
    EXPECT_EQ(*opened, text);
    sealed[sealed.size() / 2] = static_cast<char>(sealed[sealed.size() / 2] ^ 1);
    auto bad = opener.open(sealed, "f.h5 row 1");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error_value().message.find("f.h5 row 1"), std::string::npos);
  }
  // After a failed tag the context still opens good values.
  EXPECT_EQ(*opener.open(*k->seal("ok"), "x"), "ok");
  EXPECT_FALSE(opener.open("short", "x"));
}
