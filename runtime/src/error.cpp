#include "receptor/error.hpp"

namespace receptor {

const char* to_string(ec code) noexcept {
  switch (code) {
    case ec::none: return "none";
    case ec::io_error: return "io_error";
    case ec::format_error: return "format_error";
    case ec::parse_error: return "parse_error";
    case ec::invalid_argument: return "invalid_argument";
    case ec::unexpected: return "unexpected";
  }
  return "unknown";
}

} // namespace receptor
