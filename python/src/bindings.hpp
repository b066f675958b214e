#pragma once

#include <pybind11/pybind11.h>

namespace receptor::python {

// One register function per concept (boost-histogram style).
void register_reader(pybind11::module_& m);
void register_masters(pybind11::module_& m);
void register_generator(pybind11::module_& m);
void register_engine(pybind11::module_& m);
void register_stats(pybind11::module_& m);
void register_privacy(pybind11::module_& m);

} // namespace receptor::python
