#include "receptor/store/sealed_columns.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "receptor/privacy/sealed_file.hpp"

namespace fs = std::filesystem;
using namespace receptor;
using namespace receptor::store;

namespace {

privacy::master_key key_of(char digit) { return *privacy::master_key::from_hex(std::string(64, digit), "test key"); }

column_table people() {
  column_table t;
  string_array recipient, name, office;
  recipient.push_back("1234567");
  recipient.push_back("");
  name.push_back("山田 花子");
  name.push_back("佐藤 一郎");
  office.push_back("12131015");
  office.push_back("12131015");
  EXPECT_FALSE(t.add("office_no", std::move(office)));
  EXPECT_FALSE(t.add("recipient_no", std::move(recipient)));
  EXPECT_FALSE(t.add("name", std::move(name)));
  EXPECT_FALSE(t.add("points", std::vector<int32_t>{10, 20}));
  return t;
}

fs::path write_sealed(const privacy::master_key& master) {
  auto path = fs::temp_directory_path() / ("receptor_sealed_cols_" + std::to_string(::getpid()) + ".h5");
  auto sealer = column_sealer::create(master);
  EXPECT_TRUE(sealer);
  result_file_writer w;
  EXPECT_FALSE(w.open(path.string()));
  EXPECT_FALSE(w.write_attributes({}));
  EXPECT_FALSE(sealer->write_key(w));
  EXPECT_FALSE(sealer->write_table(w, "receipts", people()));
  EXPECT_FALSE(w.commit());
  return path;
}

} // namespace

TEST(SealedColumns, IdentifierColumnsAreSealedAndOpenWithTheKey) {
  auto master = key_of('7');
  auto path = write_sealed(master);
  // Neither the raw bytes nor the stored (decompressed) columns hold a name
  // or a 受給者番号; office_no is not an identifier and is stored as it is.
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  EXPECT_EQ(bytes.str().find("山田"), std::string::npos);
  EXPECT_EQ(bytes.str().find("1234567"), std::string::npos);
  auto raw = read_table(path.string(), "receipts");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->rows(), 2u);
  EXPECT_EQ((*raw->get<string_array>("office_no"))[0], "12131015");
  EXPECT_EQ((*raw->get<string_array>("name"))[0].find("山田"), std::string::npos);
  auto* sealed = raw->get<string_array>("recipient_no");
  ASSERT_NE(sealed, nullptr);
  EXPECT_NE((*sealed)[0], "1234567");
  EXPECT_EQ((*sealed)[0].size(), 4 * ((7 + 28 + 2) / 3));  // base64 of nonce | 7 bytes | tag
  auto attr = read_attribute_int(path.string(), "/receipts/name", "sealed");
  ASSERT_TRUE(attr && *attr);
  EXPECT_EQ(**attr, 1);
  EXPECT_FALSE(*read_attribute_int(path.string(), "/receipts/office_no", "sealed"));
  EXPECT_EQ(**read_attribute_text(path.string(), "/", "key_id"), master.key_id());

  auto opened = read_opened_table(path.string(), "receipts", master);
  ASSERT_TRUE(opened) << opened.error_value().message;
  EXPECT_EQ((*opened->get<string_array>("recipient_no"))[0], "1234567");
  EXPECT_EQ((*opened->get<string_array>("recipient_no"))[1], "");
  EXPECT_EQ((*opened->get<string_array>("name"))[1], "佐藤 一郎");
  EXPECT_EQ((*opened->get<std::vector<int32_t>>("points"))[1], 20);

  auto wrong = read_opened_table(path.string(), "receipts", key_of('8'));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error_value().message.find(path.string()), std::string::npos);
  EXPECT_NE(wrong.error_value().message.find("wrong key"), std::string::npos) << wrong.error_value().message;
  fs::remove(path);
}

TEST(SealedColumns, AlteredValueIsAnErrorNamingFileColumnAndRow) {
  auto master = key_of('7');
  auto sealer = column_sealer::create(master);
  auto path = write_sealed(master);
  auto raw = read_table(path.string(), "receipts");
  auto key_id = **read_attribute_text(path.string(), "/", "key_id");
  auto wrapped = **read_attribute_text(path.string(), "/", "data_key");
  auto* sealed = raw->get<string_array>("recipient_no");
  std::string altered{(*sealed)[1]};
  altered[5] = altered[5] == 'A' ? 'B' : 'A';
  auto opened = open_sealed_values(master, key_id, wrapped, {(*sealed)[0], altered}, "f.h5: /receipts/recipient_no");
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error_value().message.find("f.h5: /receipts/recipient_no row 1"), std::string::npos)
    << opened.error_value().message;
  fs::remove(path);
}

TEST(SealedColumns, OnlyIdentifierNamesAreSealed) {
  for (auto name : {"recipient_no", "raw", "name", "kana", "address", "birth_date"})
    EXPECT_TRUE(is_identifier_column(name)) << name;
  for (auto name : {"office_no", "person_id", "detail", "receipt_key"})
    EXPECT_FALSE(is_identifier_column(name)) << name;
}
