// receptor._core.Masters: the 支払基金 master files for names and drug flags.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "bindings.hpp"
#include "numpy_columns.hpp"
#include "receptor/master/master_set.hpp"

namespace py = pybind11;

namespace receptor::python {

namespace {

using master::master_set;

std::shared_ptr<master_set> load_masters(const std::string& dir) {
  expected<master_set> result = [&] {
    py::gil_scoped_release release;
    return master_set::load(dir);
  }();
  if (!result)
    throw std::runtime_error(result.error_value().message);
  return std::make_shared<master_set>(std::move(*result));
}

py::list item_names(const master_set& m, py::array_t<uint32_t, py::array::forcecast> codes) {
  auto c = codes.unchecked<1>();
  py::list out(static_cast<size_t>(c.shape(0)));
  for (py::ssize_t i = 0; i < c.shape(0); ++i)
    out[static_cast<size_t>(i)] = m.item_name(c(i));
  return out;
}

py::list disease_names(const master_set& m, py::array_t<uint32_t, py::array::forcecast> codes,
                       const std::vector<std::string>& modifiers, const std::vector<std::string>& free_texts) {
  auto c = codes.unchecked<1>();
  auto n = static_cast<size_t>(c.shape(0));
  if (modifiers.size() != n || free_texts.size() != n)
    throw std::invalid_argument("codes, modifiers and free_texts must have the same length");
  py::list out(n);
  for (size_t i = 0; i < n; ++i)
    out[i] = m.disease_name(c(static_cast<py::ssize_t>(i)), modifiers[i], free_texts[i]);
  return out;
}

py::dict icd10(const master_set& m, py::array_t<uint32_t, py::array::forcecast> codes) {
  auto c = codes.unchecked<1>();
  py::list out(static_cast<size_t>(c.shape(0)));
  for (py::ssize_t i = 0; i < c.shape(0); ++i) {
    auto* d = m.find_disease(c(i));
    out[static_cast<size_t>(i)] = d ? d->icd10 : std::string{};
  }
  py::dict result;
  result["icd10"] = out;
  return result;
}

// Per drug code: the flags the checks need, as NumPy columns.
py::dict drug_flags(const master_set& m, py::array_t<uint32_t, py::array::forcecast> codes) {
  auto c = codes.unchecked<1>();
  auto n = static_cast<size_t>(c.shape(0));
  std::vector<uint8_t> known(n), psychotropic(n), generic(n), form(n), brand_with_generic(n);
  std::vector<uint16_t> efficacy(n);
  py::list generic_name_code(n);
  for (size_t i = 0; i < n; ++i) {
    auto* d = m.find_drug(c(static_cast<py::ssize_t>(i)));
    if (!d) {
      generic_name_code[i] = std::string{};
      continue;
    }
    known[i] = 1;
    psychotropic[i] = d->psychotropic();
    generic[i] = d->generic;
    form[i] = d->dosage_form;
    efficacy[i] = d->efficacy_class;
    brand_with_generic[i] = !d->generic && !d->generic_name_code.empty() && m.has_generic(d->generic_name_code);
    generic_name_code[i] = d->generic_name_code;
  }
  py::dict out;
  out["known"] = column(std::move(known));
  out["psychotropic"] = column(std::move(psychotropic));
  out["generic"] = column(std::move(generic));
  out["dosage_form"] = column(std::move(form));
  out["efficacy_class"] = column(std::move(efficacy));
  out["brand_with_generic"] = column(std::move(brand_with_generic));
  out["generic_name_code"] = generic_name_code;
  return out;
}

py::object drug(const master_set& m, uint32_t code) {
  auto* d = m.find_drug(code);
  if (!d)
    return py::none();
  py::dict out;
  out["code"] = d->code;
  out["name"] = d->name;
  out["unit"] = d->unit;
  out["price"] = d->price;
  out["psychotropic"] = d->psychotropic();
  out["generic"] = d->generic;
  out["dosage_form"] = d->dosage_form;
  out["efficacy_class"] = d->efficacy_class;
  out["generic_name_code"] = d->generic_name_code;
  out["generic_name"] = d->generic_name;
  return out;
}

py::object procedure(const master_set& m, uint32_t code) {
  auto* p = m.find_procedure(code);
  if (!p)
    return py::none();
  py::dict out;
  out["code"] = p->code;
  out["name"] = p->name;
  out["points"] = p->points;
  out["point_kind"] = p->point_kind;
  return out;
}

} // namespace

void register_masters(py::module_& m) {
  py::class_<master_set, std::shared_ptr<master_set>>(m, "Masters",
                                                      "The official 支払基金 master files, loaded.")
    .def_static("load", &load_masters, py::arg("directory"),
                "Loads every master file (y_, s_, t_, c_, b_, z_ *.csv) found in a directory.")
    .def("item_names", &item_names, py::arg("codes"), "Names of procedure, drug, material or comment codes.")
    .def("disease_names", &disease_names, py::arg("codes"), py::arg("modifiers"), py::arg("free_texts"),
         "Display names of diseases: 修飾語 prefixes + name + suffixes.")
    .def("icd10", &icd10, py::arg("codes"), "ICD-10 codes of diseases.")
    .def("drug_flags", &drug_flags, py::arg("codes"),
         "Per drug code: known, psychotropic, generic, dosage_form, efficacy_class, brand_with_generic.")
    .def("drug", &drug, py::arg("code"), "One drug as a dict, or None.")
    .def("procedure", &procedure, py::arg("code"), "One procedure as a dict, or None.")
    .def_property_readonly("files", &master_set::files)
    .def_property_readonly("counts", [](const master_set& s) {
      py::dict d;
      d["drugs"] = s.drugs().size();
      d["procedures"] = s.procedures().size();
      d["materials"] = s.materials().size();
      d["comments"] = s.comments().size();
      d["diseases"] = s.diseases().size();
      d["modifiers"] = s.modifiers().size();
      return d;
    });
}

} // namespace receptor::python
