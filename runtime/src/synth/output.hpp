#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace receptor::synth::detail {

/// Buffered record output: fields go straight into a large buffer that is
/// written with fwrite when full. No per-field allocation.
class output {
public:
  /// Room every record may use without a check: the longest record (KI with
  /// 114 fields, EX with a blob, SS with 109) stays far below it.
  static constexpr size_t record_room = 16 * 1024;

  /// Writes to `file` through `buffer`, which the caller owns so that many
  /// files can share one allocation; it is grown to hold at least `capacity`.
  output(std::FILE* file, std::vector<char>& buffer, bool crlf, bool wareki, size_t capacity = size_t{1} << 21)
    : file_(file), buffer_(buffer), crlf_(crlf), wareki_(wareki) {
    if (buffer_.size() < capacity + record_room)
      buffer_.resize(capacity + record_room);
    p_ = buffer_.data();
    limit_ = buffer_.data() + buffer_.size() - record_room;
  }

  output(const output&) = delete;
  output& operator=(const output&) = delete;

  /// Starts a record with its identifier (and, on the payer side, the three
  /// leading fields データ識別, 行番号, 枝番号).
  void begin(const char* id) {
    if (p_ >= limit_)
      flush();
    put(id[0]);
    put(id[1]);
  }
  void begin(const char* id, unsigned data_kind, uint32_t row, unsigned branch) {
    if (p_ >= limit_)
      flush();
    number(data_kind);
    put(',');
    number(row);
    put(',');
    number(branch);
    put(',');
    put(id[0]);
    put(id[1]);
  }
  /// Ends a record with CR LF or LF.
  void end() {
    if (crlf_)
      put('\r');
    put('\n');
    ++lines_;
  }

  /// `n` empty fields.
  void empty(int n = 1) {
    std::memset(p_, ',', static_cast<size_t>(n));
    p_ += n;
  }
  /// A text field (already in the output encoding).
  void text(std::string_view s) {
    put(',');
    raw(s);
  }
  /// A numeric field without leading zeros.
  void field(uint64_t v) {
    put(',');
    number(v);
  }
  /// A numeric field, or an empty one when `v` is negative.
  void optional(int64_t v) {
    put(',');
    if (v >= 0)
      number(static_cast<uint64_t>(v));
  }
  /// A fixed-width numeric field, zero-padded (codes such as 01, 0001234).
  void padded(uint64_t v, int width) {
    put(',');
    digits(v, width);
  }
  /// A single character field (負担区分).
  void character(char c) {
    put(',');
    put(c);
  }
  /// A decimal amount given in 1/scale units, written without trailing
  /// fractional zeros (1.5, 0.25, 28); empty when zero.
  void decimal(uint64_t v, uint64_t scale) {
    put(',');
    if (v == 0)
      return;
    number(v / scale);
    uint64_t frac = v % scale;
    if (frac == 0)
      return;
    put('.');
    for (uint64_t unit = scale / 10; unit > 0 && frac > 0; unit /= 10) {
      put(static_cast<char>('0' + frac / unit));
      frac %= unit;
    }
  }
  /// A 年月 field: YYYYMM, or GYYMM in 和暦 mode.
  void month(uint32_t yyyymm) {
    put(',');
    if (!wareki_) {
      digits(yyyymm, 6);
      return;
    }
    const auto [era, year] = era_of(yyyymm * 100 + 1);
    put(static_cast<char>('0' + era));
    digits(year, 2);
    digits(yyyymm % 100, 2);
  }
  /// A 年月日 field: YYYYMMDD, or GYYMMDD in 和暦 mode.
  void date(uint32_t yyyymmdd) {
    put(',');
    if (!wareki_) {
      digits(yyyymmdd, 8);
      return;
    }
    const auto [era, year] = era_of(yyyymmdd);
    put(static_cast<char>('0' + era));
    digits(year, 2);
    digits(yyyymmdd % 10000, 4);
  }
  /// A 年月 without a separator, in the file's date style.
  void raw_month(uint32_t yyyymm) {
    if (wareki_)
      raw_wareki_month(yyyymm);
    else
      digits(yyyymm, 6);
  }
  /// A 和暦 GYYMM written raw (the MN 検索番号 uses it in every file).
  void raw_wareki_month(uint32_t yyyymm) {
    const auto [era, year] = era_of(yyyymm * 100 + 1);
    put(static_cast<char>('0' + era));
    digits(year, 2);
    digits(yyyymm % 100, 2);
  }

  /// Bytes without a separator.
  void raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(char c) { *p_++ = c; }
  void number(uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v > 0);
    while (n > 0)
      *p_++ = tmp[--n];
  }
  void digits(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p_[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p_ += width;
  }

  /// Writes the buffer out. Returns false once any write failed.
  bool flush() {
    const size_t n = static_cast<size_t>(p_ - buffer_.data());
    if (n > 0 && !failed_ && std::fwrite(buffer_.data(), 1, n, file_) != n)
      failed_ = true;
    bytes_ += n;
    p_ = buffer_.data();
    return !failed_;
  }

  bool failed() const { return failed_; }
  /// Bytes produced so far (flushed or not).
  uint64_t bytes() const { return bytes_ + static_cast<uint64_t>(p_ - buffer_.data()); }
  uint64_t lines() const { return lines_; }

  /// Era digit (1 明治 … 5 令和) and year within the era of a YYYYMMDD date.
  static std::pair<unsigned, uint32_t> era_of(uint32_t yyyymmdd) {
    struct era {
      uint32_t first_day;
      uint32_t first_year;
    };
    static constexpr era eras[] = {
      {18680125, 1868}, {19120730, 1912}, {19261225, 1926}, {19890108, 1989}, {20190501, 2019}};
    unsigned e = 5;
    while (e > 1 && yyyymmdd < eras[e - 1].first_day)
      --e;
    return {e, yyyymmdd / 10000 - eras[e - 1].first_year + 1};
  }

private:
  std::FILE* file_;
  std::vector<char>& buffer_;
  char* p_ = nullptr;
  char* limit_ = nullptr;
  uint64_t bytes_ = 0;
  uint64_t lines_ = 0;
  bool crlf_;
  bool wareki_;
  bool failed_ = false;
};

} // namespace receptor::synth::detail
