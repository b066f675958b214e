#pragma once

// Inputs by name: tests never build paths to shared files by hand.

#include <string>

#ifndef RECEPTOR_SOURCE_DIR
#define RECEPTOR_SOURCE_DIR "."
#endif

namespace receptor::test {

inline std::string source_path(const std::string& relative) {
  return std::string{RECEPTOR_SOURCE_DIR} + "/" + relative;
}

/// Real-format receipt files written by others (tests/data/samples).
namespace samples {
inline const std::string institution_medical
  = source_path("tests/data/samples/institution/RECEIPTC_GAIRAI_SAMPLE.UKE");
inline const std::string payer_medical = source_path("tests/data/samples/payer/11_RECODEINFO_MED.CSV");
inline const std::string orca_shaho = source_path("tests/data/samples/orca/shaho_201811.csv");
inline const std::string orca_dental = source_path("tests/data/samples/orca/shika_shaho.csv");
inline std::string orca(const std::string& name) { return source_path("tests/data/samples/orca/" + name); }
} // namespace samples

inline const std::string masters_dir = source_path("data/masters");

} // namespace receptor::test
