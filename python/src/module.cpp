#include "bindings.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = R"pbdoc(
    receptor._core: the compiled core of Receptor.

    Thin bindings over the C++ runtime; the Pythonic API lives in the
    `receptor` package. Every call that reads files releases the GIL.
  )pbdoc";
  m.attr("__version__") = VERSION_INFO;
  receptor::python::register_reader(m);
  receptor::python::register_masters(m);
  receptor::python::register_generator(m);
  receptor::python::register_engine(m);
  receptor::python::register_stats(m);
  receptor::python::register_privacy(m);
}
