// receptor._core.generate: bound once the generator lands.

#include "bindings.hpp"

namespace receptor::python {

void register_generator(pybind11::module_&) {}

} // namespace receptor::python
