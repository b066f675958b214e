// receptor._core.privacy: the AES-GCM open of sealed result columns for the
// Python read side (receptor.results), over the same C++ code the writer uses.

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "receptor/privacy/master_key.hpp"
#include "receptor/store/sealed_columns.hpp"

namespace py = pybind11;

namespace receptor::python {

namespace {

// The configured master key, never creating one (reading needs no new key).
std::optional<privacy::master_key> configured_key() {
  auto found = privacy::master_key::find();
  if (!found)
    throw std::invalid_argument(found.error_value().message);
  return *found;
}

} // namespace

void register_privacy(py::module_& m) {
  auto p = m.def_submodule("privacy", "Opening sealed identifier columns (docs/privacy.md).");
  p.def(
    "key_id",
    []() -> std::optional<std::string> {
      auto key = configured_key();
      return key ? std::optional<std::string>{key->key_id()} : std::nullopt;
    },
    "The id of the configured master key (RECEPTOR_KEY_FILE, RECEPTOR_MASTER_KEY or the default key file), "
    "or None when none is configured. Raises ValueError for a malformed key or a key file others may read.");
  p.def(
    "open_values",
    [](const std::string& where, const std::string& key_id, const std::string& wrapped_key,
       const std::vector<std::string>& values) {
      auto key = configured_key();
      if (!key)
        throw std::invalid_argument(where + ": sealed, and no master key is configured");
      expected<std::vector<std::string>> opened = std::vector<std::string>{};
      {
        py::gil_scoped_release release;
        std::vector<std::string_view> views(values.begin(), values.end());
        opened = store::open_sealed_values(*key, key_id, wrapped_key, views, where);
      }
      if (!opened)
        throw std::invalid_argument(opened.error_value().message);
      return std::move(*opened);
    },
    py::arg("where"), py::arg("key_id"), py::arg("wrapped_key"), py::arg("values"),
    "Opens sealed values (base64 text) of a file whose root attributes are key_id and data_key, with the "
    "configured master key. Raises ValueError naming `where` for a wrong key or an altered value.");
}

} // namespace receptor::python
