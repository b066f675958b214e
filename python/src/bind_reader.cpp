// receptor._core.read_batch: one receipt file as columns for pandas.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>

#include "bindings.hpp"
#include "numpy_columns.hpp"
#include "receptor/encoding.hpp"
#include "receptor/uke/reader.hpp"
#include "receptor/uke/summary.hpp"

namespace py = pybind11;

namespace receptor::python {

namespace {

using namespace receptor::model;

// Text columns are decoded to UTF-8 only here, when shown.
py::list texts(const receipt_batch& b, const std::vector<text_ref>& refs) {
  py::list out(refs.size());
  for (size_t i = 0; i < refs.size(); ++i)
    out[i] = py::str(to_utf8(b.view(refs[i]), b.encoding));
  return out;
}

py::list record_ids(const std::vector<uke::record_id>& ids) {
  py::list out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i)
    out[i] = py::str(ids[i].str());
  return out;
}

// 都道府県 2 + 点数表 1 + 医療機関コード 7: the institution key of results.md.
std::string institution_key(uint8_t pref, uint8_t table, std::string_view code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u%u", pref, table);
  return std::string{buf} + std::string{code};
}

py::dict receipts_table(receipt_batch& b) {
  auto& t = b.receipts;
  auto& inst = b.institutions;
  py::dict d;
  size_t n = t.size();
  py::list institution(n), prescriber(n);
  std::vector<int64_t> recipient_row(n, -1);
  for (size_t i = 0; i < n; ++i) {
    auto k = t.institution[i];
    institution[i] = k < inst.size() ? institution_key(inst.prefecture[k], inst.table[k], b.view(inst.code[k]))
                                     : std::string{};
    prescriber[i] = t.prescriber_code[i].empty()
                      ? std::string{}
                      : institution_key(t.prescriber_prefecture[i], t.prescriber_table[i],
                                        b.view(t.prescriber_code[i]));
  }
  d["source_line"] = column(std::move(t.source_line));
  d["re_line"] = column(std::move(t.re_line));
  d["institution"] = institution;
  d["receipt_no"] = column(std::move(t.receipt_no));
  d["receipt_type"] = column(std::move(t.receipt_type));
  d["month"] = column(std::move(t.month));
  d["name"] = texts(b, t.name);
  d["kana"] = texts(b, t.kana);
  d["sex"] = column(std::move(t.sex));
  d["birth_date"] = column(std::move(t.birth_date));
  d["admission_date"] = column(std::move(t.admission_date));
  d["benefit_ratio"] = column(std::move(t.benefit_ratio));
  d["special_notes"] = texts(b, t.special_notes);
  d["chart_no"] = texts(b, t.chart_no);
  d["search_no"] = texts(b, t.search_no);
  d["management_no"] = texts(b, t.management_no);
  d["prescriber"] = prescriber;
  d["points"] = column(std::move(t.points));
  d["claimed_points"] = column(std::move(t.claimed_points));
  d["line_points"] = column(std::move(t.line_points));
  d["care_days"] = column(std::move(t.care_days));
  d["corrected"] = column(std::move(t.corrected));
  d["coverage_begin"] = column(std::move(t.coverage_begin));
  d["coverage_end"] = column(std::move(t.coverage_end));
  d["disease_begin"] = column(std::move(t.disease_begin));
  d["disease_end"] = column(std::move(t.disease_end));
  d["item_begin"] = column(std::move(t.item_begin));
  d["item_end"] = column(std::move(t.item_end));
  return d;
}

py::dict coverages_table(receipt_batch& b) {
  auto& t = b.coverages;
  py::dict d;
  d["receipt"] = column(std::move(t.receipt));
  d["line"] = column(std::move(t.line));
  d["record"] = record_ids(t.record);
  d["position"] = column(std::move(t.position));
  d["payer_no"] = texts(b, t.payer_no);
  d["member_symbol"] = texts(b, t.member_symbol);
  d["member_no"] = texts(b, t.member_no);
  d["law_no"] = column(std::move(t.law_no));
  d["check_digit_ok"] = column(std::move(t.check_digit_ok));
  d["days"] = column(std::move(t.days));
  d["points"] = column(std::move(t.points));
  d["copay"] = column(std::move(t.copay));
  d["meal_count"] = column(std::move(t.meal_count));
  d["meal_amount"] = column(std::move(t.meal_amount));
  d["visit_days"] = column(std::move(t.visit_days));
  return d;
}

py::dict diseases_table(receipt_batch& b) {
  auto& t = b.diseases;
  py::dict d;
  d["receipt"] = column(std::move(t.receipt));
  d["line"] = column(std::move(t.line));
  d["record"] = record_ids(t.record);
  d["code"] = column(std::move(t.code));
  d["start_date"] = column(std::move(t.start_date));
  d["outcome"] = column(std::move(t.outcome));
  d["modifiers"] = texts(b, t.modifiers);
  d["name"] = texts(b, t.name);
  d["main"] = column(std::move(t.main));
  d["comment"] = texts(b, t.comment);
  return d;
}

py::dict lines_table(receipt_batch& b) {
  auto& t = b.items;
  py::dict d;
  py::list burden(t.size());
  for (size_t i = 0; i < t.size(); ++i)
    burden[i] = t.burden[i] ? std::string(1, t.burden[i]) : std::string{};
  d["receipt"] = column(std::move(t.receipt));
  d["line"] = column(std::move(t.line));
  d["record"] = record_ids(t.record);
  d["shikibetsu"] = column(std::move(t.shikibetsu));
  d["burden"] = burden;
  d["code"] = column(std::move(t.code));
  d["quantity"] = column(std::move(t.quantity));
  d["points"] = column(std::move(t.points));
  d["count"] = column(std::move(t.count));
  d["day_mask"] = column(std::move(t.day_mask));
  d["group"] = column(std::move(t.group));
  d["text"] = texts(b, t.text);
  return d;
}

py::dict quarantine_table(receipt_batch& b) {
  auto& t = b.quarantine;
  py::dict d;
  d["source_line"] = column(std::move(t.line));
  d["record"] = record_ids(t.record);
  d["field"] = column(std::move(t.field));
  d["reason"] = t.reason;
  d["raw"] = texts(b, t.raw);
  return d;
}

py::dict read_batch(const std::string& path, bool apply_corrections) {
  uke::read_options options;
  options.apply_corrections = apply_corrections;
  expected<receipt_batch> result = [&] {
    py::gil_scoped_release release; // reading touches no Python object
    return uke::read_file(path, options);
  }();
  if (!result)
    throw std::runtime_error(result.error_value().message);
  auto& b = *result;
  auto summary = uke::to_json(uke::summarize(b), b);
  py::dict out;
  out["summary_json"] = summary;
  out["kind"] = to_string(b.kind);
  out["payer_side"] = b.side == file_side::payer;
  out["encoding"] = to_string(b.encoding);
  out["receipts"] = receipts_table(b);
  out["coverages"] = coverages_table(b);
  out["diseases"] = diseases_table(b);
  out["lines"] = lines_table(b);
  out["quarantine"] = quarantine_table(b);
  return out;
}

std::string inspect_json(const std::string& path) {
  py::gil_scoped_release release;
  auto b = uke::read_file(path);
  if (!b)
    throw std::runtime_error(b.error_value().message);
  return uke::to_json(uke::summarize(*b), *b);
}

} // namespace

void register_reader(py::module_& m) {
  m.def("read_batch", &read_batch, py::arg("path"), py::arg("apply_corrections") = true,
        R"pbdoc(Reads one receipt file into column dicts (receipts, coverages, diseases,
lines, quarantine) plus its summary as JSON. Raises RuntimeError naming the
file if it cannot be read.)pbdoc");
  m.def("inspect", &inspect_json, py::arg("path"),
        "Summary of one receipt file as the JSON object of `receptor inspect --json`.");
}

} // namespace receptor::python
