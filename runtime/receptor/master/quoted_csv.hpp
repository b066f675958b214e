#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/error.hpp"

namespace receptor::master {

/// Reads the masters' CSV dialect: every value in double quotes ("" inside
/// a value is a quote), comma separated, CR LF or LF. Calls `row` with the
/// 1-based line number and the unquoted fields (views valid during the call).
/// Returns an error naming the line if a quote is left open.
error read_quoted_csv(std::string_view bytes,
                      const std::function<void(size_t line, const std::vector<std::string_view>& fields)>& row);

} // namespace receptor::master
