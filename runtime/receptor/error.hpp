#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace receptor {

/// Error codes of the runtime. Values, not exceptions, cross component borders.
enum class ec : uint8_t {
  /// Not an error.
  none = 0,
  /// A file could not be opened or read.
  io_error,
  /// Input bytes do not form a file of a supported format.
  format_error,
  /// A value in the input is out of range or malformed.
  parse_error,
  /// A configuration value or argument is invalid.
  invalid_argument,
  /// Something the code believed impossible happened: a bug.
  unexpected,
};

/// Returns the name of an error code.
const char* to_string(ec code) noexcept;

/// An error code with a human-readable context (file, line, field, reason).
struct error {
  ec code = ec::none;
  std::string message;

  explicit operator bool() const noexcept { return code != ec::none; }
};

/// Builds an error from a code and a context message.
inline error make_error(ec code, std::string message) {
  return error{code, std::move(message)};
}

/// Either a value or an error (C++17 has no std::expected).
template <class T>
class expected {
public:
  expected(T value) : data_(std::move(value)) {}
  expected(error err) : data_(std::move(err)) {}

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& operator*() & { return std::get<0>(data_); }
  const T& operator*() const& { return std::get<0>(data_); }
  T&& operator*() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &std::get<0>(data_); }
  const T* operator->() const { return &std::get<0>(data_); }

  const error& error_value() const { return std::get<1>(data_); }

private:
  std::variant<T, error> data_;
};

} // namespace receptor
