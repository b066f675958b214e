#pragma once

#include <string>

#include "receptor/model/receipt_batch.hpp"

namespace receptor::uke {

/// Renders a batch back into the file it describes: institution side or
/// payer side (with its MN blocks, JY corrections and the records as
/// claimed), same encoding, line endings and end marker. Typed rows are
/// rendered from their columns, the rest verbatim, in line order, so that
/// reading the result gives the same batch: `read(write(x)) == x`.
std::string write(const model::receipt_batch& batch);

} // namespace receptor::uke
