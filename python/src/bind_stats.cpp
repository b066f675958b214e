// receptor._core.stats: robust peer-group statistics, for tests and notebooks.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "receptor/stats/peer_model.hpp"
#include "receptor/stats/roc.hpp"

namespace py = pybind11;

namespace receptor::python {

namespace {

using array_f64 = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Copied under the GIL, so the computation can run without it.
Eigen::MatrixXd to_matrix(const array_f64& a, const char* what) {
  if (a.ndim() != 2)
    throw py::value_error(std::string{what} + " must be a 2-D array (observations, features), got "
                          + std::to_string(a.ndim()) + " dimensions");
  auto r = a.unchecked<2>();
  Eigen::MatrixXd m(r.shape(0), r.shape(1));
  for (py::ssize_t i = 0; i < r.shape(0); ++i)
    for (py::ssize_t j = 0; j < r.shape(1); ++j)
      m(i, j) = r(i, j);
  return m;
}

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

py::dict to_dict(const stats::peer_model& m) {
  auto p = m.features.size();
  std::vector<double> median(p), scale(p);
  std::vector<uint8_t> method(p);
  for (size_t j = 0; j < p; ++j) {
    median[j] = m.features[j].median;
    scale[j] = m.features[j].scale;
    method[j] = m.features[j].method;
  }
  auto covariance = to_array(m.covariance);
  covariance.resize({static_cast<py::ssize_t>(p), static_cast<py::ssize_t>(p)});
  py::dict d;
  d["peer_group"] = m.peer_group;
  d["members"] = m.members;
  d["median"] = to_array(median);
  d["scale"] = to_array(scale);
  d["method"] = to_array(method);
  d["covariance"] = covariance;
  d["shrinkage"] = m.shrinkage;
  return d;
}

stats::peer_model from_dict(const py::dict& d) {
  for (const char* key : {"median", "scale", "method", "covariance"})
    if (!d.contains(key))
      throw py::value_error(std::string{"peer model dict has no '"} + key + "'");
  stats::peer_model m;
  if (d.contains("peer_group"))
    m.peer_group = d["peer_group"].cast<std::string>();
  if (d.contains("members"))
    m.members = d["members"].cast<uint64_t>();
  if (d.contains("shrinkage"))
    m.shrinkage = d["shrinkage"].cast<double>();
  auto median = array_f64::ensure(d["median"]);
  auto scale = array_f64::ensure(d["scale"]);
  auto method = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(d["method"]);
  auto covariance = array_f64::ensure(d["covariance"]);
  if (!median || !scale || !method || !covariance)
    throw py::value_error("peer model dict: median, scale, method and covariance must be numeric arrays");
  auto p = static_cast<size_t>(median.size());
  if (static_cast<size_t>(scale.size()) != p || static_cast<size_t>(method.size()) != p
      || static_cast<size_t>(covariance.size()) != p * p)
    throw py::value_error("peer model dict: " + std::to_string(p) + " medians need as many scales and methods and a "
                          + std::to_string(p) + "x" + std::to_string(p) + " covariance");
  m.features.resize(p);
  for (size_t j = 0; j < p; ++j)
    m.features[j] = {median.data()[j], scale.data()[j], method.data()[j]};
  m.covariance.assign(covariance.data(), covariance.data() + p * p);
  return m;
}

} // namespace

void register_stats(py::module_& m) {
  auto s = m.def_submodule("stats", "Robust z, shrunk Mahalanobis scores and ROC AUC of the C++ runtime.");

  s.def(
    "fit_peer_model",
    [](std::string group, const array_f64& rows, double shrinkage) {
      auto x = to_matrix(rows, "rows");
      stats::peer_model model;
      {
        py::gil_scoped_release release;
        model = stats::fit_peer_model(std::move(group), x, shrinkage);
      }
      return to_dict(model);
    },
    py::arg("group"), py::arg("rows"), py::arg("shrinkage") = stats::default_shrinkage,
    "Fits a peer group's model from rows (n, p); returns a dict of peer_group, members, median, scale, "
    "method, covariance (p, p) and shrinkage.");

  s.def(
    "ledoit_wolf_shrinkage",
    [](const array_f64& rows) {
      auto x = to_matrix(rows, "rows");
      py::gil_scoped_release release;
      return stats::ledoit_wolf_shrinkage(x);
    },
    py::arg("rows"), "The Ledoit-Wolf shrinkage for rows (n, p), to pass to fit_peer_model.");

  s.def(
    "score_rows",
    [](const py::dict& model_dict, const array_f64& rows, size_t top_k) {
      auto model = from_dict(model_dict);
      auto x = to_matrix(rows, "rows");
      if (static_cast<size_t>(x.cols()) != model.features.size())
        throw py::value_error("rows have " + std::to_string(x.cols()) + " features, the model "
                              + std::to_string(model.features.size()));
      std::vector<stats::person_score> scored;
      {
        py::gil_scoped_release release;
        scored = stats::score_rows(model, x, top_k);
      }
      auto n = static_cast<py::ssize_t>(scored.size());
      auto p = static_cast<py::ssize_t>(model.features.size());
      py::array_t<double> scores(n);
      py::array_t<double> z({n, p});
      auto sv = scores.mutable_unchecked<1>();
      auto zv = z.mutable_unchecked<2>();
      py::list top(static_cast<size_t>(n));
      for (py::ssize_t i = 0; i < n; ++i) {
        const auto& r = scored[static_cast<size_t>(i)];
        sv(i) = r.score;
        for (py::ssize_t j = 0; j < p; ++j)
          zv(i, j) = r.z[static_cast<size_t>(j)];
        py::list t;
        for (const auto& [index, value] : r.top)
          t.append(py::make_tuple(index, value));
        top[static_cast<size_t>(i)] = t;
      }
      return py::make_tuple(scores, z, top);
    },
    py::arg("model"), py::arg("rows"), py::arg("top_k") = 3,
    "Scores rows (n, p) against a model dict; returns (scores (n,), z (n, p), top: per row a list of "
    "(feature index, z)).");

  s.def(
    "roc_auc",
    [](std::vector<double> scores, std::vector<bool> positive) {
      if (scores.size() != positive.size())
        throw py::value_error(std::to_string(scores.size()) + " scores for " + std::to_string(positive.size())
                              + " labels");
      py::gil_scoped_release release;
      return stats::roc_auc(scores, positive);
    },
    py::arg("scores"), py::arg("positive"), "Area under the ROC curve, ties counting half.");
}

} // namespace receptor::python
