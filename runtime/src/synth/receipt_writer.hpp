#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "output.hpp"
#include "receipt.hpp"

namespace receptor::synth::detail {

/// Writes receipt files in the national record layouts: institution side
/// (header, receipts, GO) or payer side (MN blocks with JY corrections, EX, RC).
/// One writer serves many files and keeps the text it has encoded.
class receipt_writer {
public:
  receipt_writer(const options& opts, const catalog& codes, const population& pop);

  /// Writes the claims [first, last), all of `kind`, as one file to `out`.
  expected<file_info> write(std::FILE* out, model::receipt_kind kind, const claim* first, const claim* last);

private:
  // One correction the 審査 made to a receipt (payer side).
  struct correction {
    enum class what : uint8_t { none, delete_line, reduce_line, drop_guidance } type = what::none;
    uint32_t index = 0;   // item line or 調剤 reception
  };

  void write_receipt(const receipt& r);
  void header(const institution& inst);
  void medical(const receipt& r);
  void dental(const receipt& r);
  void pharmacy(const receipt& r);
  void payer_block(const receipt& r, rng& random);
  correction choose_correction(const receipt& r, rng& random) const;
  void write_correction(const receipt& r, const correction& fix, rng& random, std::array<int64_t, 3>& points);
  void review_records(const receipt& r);

  // Records.
  void record(const char* id, unsigned data_kind = 1, unsigned branch = 0);
  void ir(const institution& inst);
  void re_medical(const receipt& r);
  void ho(const receipt& r, const std::array<int64_t, 3>& points, unsigned data_kind);
  void ko(const receipt& r, int slot, const std::array<int64_t, 3>& points, unsigned data_kind);
  void sn_jd(const receipt& r);
  void sy(const receipt& r);
  void item(const item_line& line, bool show_shikibetsu, unsigned data_kind);
  void days(const item_line& line);
  void dpc_records(const receipt& r);
  void coding(const receipt& r);
  void ki(const rx_reception& rec, uint8_t reception, unsigned data_kind);
  void name(const person& p);
  void re_head(const receipt& r);
  void kana(const person& p);

  // Text in the output encoding.
  enum class text_field : uint8_t { name = 0, address = 1, doctor = 2 };
  std::string encode(std::string_view utf8) const;
  const std::string& institution_text(uint32_t index, text_field field);
  const std::string& insurance_text(const employee_insurance& ins, bool number);

  const options& opts_;
  const catalog& codes_;
  const population& pop_;
  receipt_builder builder_;
  receipt r_;
  output* out_ = nullptr;
  model::receipt_kind kind_ = model::receipt_kind::medical;
  bool payer_;
  uint32_t billing_;                    // 請求年月: the month after the 診療年月
  uint32_t row_ = 0;                    // 行番号 within the receipt (payer side)
  std::vector<uint32_t> item_rows_;     // row of each item line
  uint32_t ho_row_ = 0, ko_rows_[2] = {};
  std::vector<uint32_t> ki_rows_;
  // Encoded text.
  std::string space_;                   // full-width space between family and given name
  std::vector<std::string> family_kanji_, family_kana_, given_kanji_[2], given_kana_[2];
  std::vector<std::string> comments_;
  std::vector<std::string> institution_texts_[3]; // name, address, doctor; empty until needed
  std::vector<uint8_t> institution_encoded_;
  std::vector<std::string> insurance_texts_[2];    // symbol, number
  std::vector<uint8_t> insurance_encoded_;
  std::vector<char> buffer_;            // output buffer shared by all files
  // File totals.
  file_info info_;
  uint64_t management_no_ = 0;
};

} // namespace receptor::synth::detail
