#pragma once

// Column vectors handed to NumPy without a copy: the array owns the vector.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <vector>

namespace receptor::python {

template <class T>
pybind11::array column(std::vector<T>&& values) {
  auto* owned = new std::vector<T>(std::move(values));
  pybind11::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pybind11::array_t<T>(static_cast<pybind11::ssize_t>(owned->size()), owned->data(), owner);
}

} // namespace receptor::python
