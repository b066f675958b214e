#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace receptor::uke {

/// A record identifier such as `RE` or `SI`, packed into two bytes. Unknown
/// identifiers keep their letters, so nothing the file says is lost.
class record_id {
public:
  constexpr record_id() = default;
  constexpr record_id(char a, char b)
    : code_(static_cast<uint16_t>((static_cast<uint8_t>(a) << 8) | static_cast<uint8_t>(b))) {}

  /// Parses the first field of a record; an id is two ASCII capital letters.
  static bool parse(std::string_view field, record_id& out) {
    if (field.size() != 2 || !is_upper(field[0]) || !is_upper(field[1]))
      return false;
    out = record_id{field[0], field[1]};
    return true;
  }

  constexpr uint16_t code() const { return code_; }
  constexpr bool valid() const { return code_ != 0; }
  /// Index 0..675 for per-id counters.
  constexpr unsigned index() const {
    return static_cast<unsigned>(((code_ >> 8) - 'A') * 26 + ((code_ & 0xff) - 'A'));
  }
  static constexpr record_id from_index(unsigned i) {
    return record_id{static_cast<char>('A' + i / 26), static_cast<char>('A' + i % 26)};
  }
  std::string str() const {
    if (!valid())
      return {};
    return {static_cast<char>(code_ >> 8), static_cast<char>(code_ & 0xff)};
  }

  friend constexpr bool operator==(record_id a, record_id b) { return a.code_ == b.code_; }
  friend constexpr bool operator!=(record_id a, record_id b) { return a.code_ != b.code_; }

private:
  static constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
  uint16_t code_ = 0;
};

/// The identifiers the reader knows by name.
namespace rec {
constexpr record_id IR{'I', 'R'}, RE{'R', 'E'}, HO{'H', 'O'}, KO{'K', 'O'}, SN{'S', 'N'},
  JD{'J', 'D'}, MF{'M', 'F'}, GR{'G', 'R'}, SY{'S', 'Y'}, SI{'S', 'I'}, IY{'I', 'Y'},
  TO{'T', 'O'}, CO{'C', 'O'}, SJ{'S', 'J'}, TI{'T', 'I'}, TR{'T', 'R'}, TS{'T', 'S'},
  GO{'G', 'O'}, KH{'K', 'H'}, NI{'N', 'I'},
  // DPC
  BU{'B', 'U'}, SB{'S', 'B'}, KK{'K', 'K'}, SK{'S', 'K'}, GA{'G', 'A'}, HH{'H', 'H'},
  GT{'G', 'T'}, CD{'C', 'D'},
  // 歯科
  UK{'U', 'K'}, HS{'H', 'S'}, SS{'S', 'S'},
  // 調剤
  YK{'Y', 'K'}, SH{'S', 'H'}, CZ{'C', 'Z'}, TK{'T', 'K'}, KI{'K', 'I'}, ST{'S', 'T'},
  // payer side
  MN{'M', 'N'}, JY{'J', 'Y'}, EX{'E', 'X'}, RC{'R', 'C'}, ON{'O', 'N'};
} // namespace rec

/// True for identifiers that some supported layout defines.
bool is_known(record_id id);

} // namespace receptor::uke
