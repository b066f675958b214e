#pragma once

#include <cstddef>
#include <cstdint>

/// Every tunable of the runtime, in one place, with the reason for its value.
namespace receptor::defaults {

namespace reader {
/// Bytes read from a file per system call. Large enough to amortise the
/// call, small enough to stay in L2/L3-friendly territory when reused.
constexpr size_t chunk_bytes = 8u << 20;
/// A longer line cannot be a receipt record (the longest, SJ, allows 2400
/// bytes): it is quarantined and skipped, so hostile input stays bounded.
constexpr size_t max_line_bytes = 1u << 20;
/// A payer-side receipt block (MN … RC) larger than this is cut and read as is.
constexpr size_t max_block_bytes = 64u << 20;
/// How much of a quarantined line is kept for the report.
constexpr size_t quarantine_raw_bytes = 4096;
/// Bytes sampled to tell UTF-8 from CP932.
constexpr size_t encoding_sample_bytes = 1u << 20;
/// Bytes searched for DPC-only records to tell DPC from 医科 files: every DPC
/// receipt has a BU, and the first one comes within the first receipt.
constexpr size_t dpc_probe_bytes = 1u << 20;
/// Fields split per record; longer records are kept raw.
constexpr size_t max_fields = 128;
/// Diagnostics kept per file; past it they are only counted.
constexpr size_t max_diagnostics = 10000;
} // namespace reader

} // namespace receptor::defaults
