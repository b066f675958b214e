// receptor._core.generate: a month of realistic receipt files.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "receptor/master/master_set.hpp"
#include "receptor/synth/generation.hpp"
#include "receptor/synth/scenario.hpp"

namespace py = pybind11;

namespace receptor::python {

namespace {

py::list generate(const std::string& out_dir, size_t receipts, uint64_t seed, uint32_t month, bool payer_side,
                  std::optional<std::string> only, double correction_rate, bool wareki, bool utf8, bool crlf,
                  bool eof_marker, std::shared_ptr<master::master_set> masters) {
  synth::generation_request request;
  request.out_dir = out_dir;
  request.month.receipts = receipts;
  request.month.seed = seed;
  request.month.month = month;
  request.month.payer_side = payer_side;
  request.month.correction_rate = correction_rate;
  request.month.wareki = wareki;
  request.month.utf8 = utf8;
  request.month.crlf = crlf;
  request.month.eof_marker = eof_marker;
  if (only && !synth::keep_only(request.month.shares, *only))
    throw std::invalid_argument("only must be medical, dpc, dental or pharmacy");
  request.masters = masters.get();
  auto result = [&] {
    py::gil_scoped_release release;
    return synth::generate(request);
  }();
  if (!result)
    throw std::runtime_error(result.error_value().message);
  py::list files;
  for (auto& f : result->files) {
    py::dict d;
    d["path"] = f.path.string();
    d["kind"] = model::to_string(f.kind);
    d["payer_side"] = f.payer_side;
    d["bytes"] = f.bytes;
    d["records"] = f.records;
    d["receipts"] = f.receipts;
    d["points"] = f.points;
    d["claimed_points"] = f.claimed_points;
    d["claims"] = f.claims;
    d["corrected_receipts"] = f.corrected_receipts;
    py::dict laws;
    for (size_t law = 0; law < f.ko_by_law.size(); ++law)
      if (f.ko_by_law[law])
        laws[py::int_(law)] = f.ko_by_law[law];
    d["ko_by_law"] = laws;
    files.append(d);
  }
  return files;
}

py::dict generate_scenario(const std::string& out_dir, size_t receipts, uint64_t seed, uint32_t month,
                           bool payer_side, std::shared_ptr<master::master_set> masters, size_t months,
                           std::optional<size_t> behaviours, std::map<std::string, size_t> behaviour_counts,
                           size_t offices, std::vector<uint8_t> prefectures) {
  synth::scenario_request request;
  request.out_dir = out_dir;
  request.month.receipts = receipts;
  request.month.seed = seed;
  request.month.month = month;
  request.month.payer_side = payer_side;
  request.masters = masters.get();
  request.months = months;
  request.offices = offices;
  request.prefectures = std::move(prefectures);
  if (behaviours)
    synth::set_all(request.behaviours, *behaviours);
  for (const auto& [name, count] : behaviour_counts)
    if (!synth::set_count(request.behaviours, name, count))
      throw std::invalid_argument("no behaviour named " + name);
  auto result = [&] {
    py::gil_scoped_release release;
    return synth::generate_scenario(request);
  }();
  if (!result)
    throw std::runtime_error(result.error_value().message);
  py::dict d;
  d["receipts_dir"] = result->receipts_dir.string();
  d["feed_dir"] = result->feed_dir.string();
  d["receipts"] = result->receipts;
  d["cases"] = result->cases.size();
  d["offices_without_tickets"] = result->offices_without_tickets;
  d["months"] = result->months;
  d["behaviour_findings"] = result->findings.size();
  d["anomaly_subjects"] = result->anomalies.size();
  return d;
}

} // namespace

void register_generator(py::module_& m) {
  m.def("generate_scenario", &generate_scenario, py::arg("out_dir"), py::arg("receipts") = 10000,
        py::arg("seed") = 1, py::arg("month") = 202406, py::arg("payer_side") = false,
        py::arg("masters") = nullptr, py::arg("months") = 1, py::arg("behaviours") = py::none(),
        py::arg("behaviour_counts") = std::map<std::string, size_t>{}, py::arg("offices") = 0,
        py::arg("prefectures") = std::vector<uint8_t>{},
        R"pbdoc(Writes a month of receipts (out_dir/receipts), the office's feed for it
(out_dir/feed) with injected cases of every match status, and the truth
(out_dir/truth.csv, expected_status.csv, expected_status_first_delivery.csv,
and ticket_use_truth.csv: the use_status of every ticket, TICKET_UNUSED for
unused tickets two or more months before the last).
The background triggers no check; injected behaviours and their truth are in
out_dir/behaviour_truth.csv and out_dir/anomaly_truth.csv. `months` > 1
writes consecutive months of one population (receipts/YYYY-MM, one feed);
`behaviours` sets every behaviour count, `behaviour_counts` single ones by
name (frequent_visitors, psychotropic_shoppers, ...); `offices` and
`prefectures` shape the population (e.g. 24 offices of prefecture 27).)pbdoc");
  m.def("generate", &generate, py::arg("out_dir"), py::arg("receipts") = 10000, py::arg("seed") = 1,
        py::arg("month") = 202406, py::arg("payer_side") = false, py::arg("only") = py::none(),
        py::arg("correction_rate") = 0.02, py::arg("wareki") = false, py::arg("utf8") = false,
        py::arg("crlf") = true, py::arg("eof_marker") = true, py::arg("masters") = nullptr,
        R"pbdoc(Writes a generated month of receipt files into out_dir (plus manifest.json)
and returns one dict per file with the totals a correct reader must find.
Deterministic: the same arguments give byte-identical files.)pbdoc");
}

} // namespace receptor::python
