// receptor._core.Engine: the actor runtime, driven from Python.
//
// Every call that waits on actors releases the GIL; progress callbacks run
// on the calling thread (never on an actor thread) and take the GIL back
// only for the call.

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "receptor/actors/engine.hpp"

namespace py = pybind11;

namespace receptor::python {

namespace {

feed::feed_file feed_kind(const std::string& kind) {
  if (kind == "recipients")
    return feed::feed_file::recipients;
  if (kind == "tickets")
    return feed::feed_file::tickets;
  if (kind == "other_schemes")
    return feed::feed_file::other_schemes;
  throw std::invalid_argument("feed kind must be recipients, tickets or other_schemes, not " + kind);
}

class py_engine {
public:
  py_engine(uint32_t shards, uint32_t threads, size_t batch_size, size_t window, const std::string& masters,
            const std::string& config) {
    actors::engine_options o;
    o.masters_dir = masters;
    o.config_file = config;
    o.shards = shards;
    o.threads = threads;
    o.batch_size = batch_size;
    o.window = window;
    py::gil_scoped_release release;
    engine_ = std::make_unique<actors::engine>(o);
  }

  py::dict load_feed(const std::string& kind, const std::string& path) {
    auto k = feed_kind(kind);
    check_open();
    error err;
    size_t before = engine_->feed().files().size();
    {
      py::gil_scoped_release release;
      err = engine_->load_feed(k, path);
    }
    if (err)
      throw std::runtime_error(err.message);
    py::dict out;
    auto& files = engine_->feed().files();
    if (files.size() > before) {
      auto& r = files.back();
      out["file"] = r.file;
      out["rows_read"] = r.rows_read;
      out["loaded"] = r.loaded;
      out["replaced"] = r.replaced;
      out["unchanged"] = r.unchanged;
      out["quarantined"] = r.quarantined;
    }
    return out;
  }

  py::dict run(const std::vector<std::string>& receipts, const std::string& out, py::object progress) {
    return drive(receipts, out, progress, {}, {});
  }

  py::dict ingest(const std::string& store, const std::vector<std::string>& receipts,
                  const std::vector<std::pair<std::string, std::string>>& feed, const std::string& out,
                  py::object progress, const std::vector<std::pair<std::string, std::string>>& people,
                  const std::vector<uint32_t>& months) {
    std::vector<std::pair<feed::feed_file, std::filesystem::path>> files;
    for (auto& [kind, path] : feed)
      files.emplace_back(feed_kind(kind), path);
    people_ = people;
    months_ = months;
    return drive(receipts, out, progress, store, files);
  }

private:
  py::dict drive(const std::vector<std::string>& receipts, const std::string& out, py::object progress,
                 const std::string& store, const std::vector<std::pair<feed::feed_file, std::filesystem::path>>& feed) {
    check_open();
    std::vector<std::filesystem::path> paths(receipts.begin(), receipts.end());
    if (!progress.is_none()) {
      engine_->on_progress([progress](const actors::progress& p) {
        py::gil_scoped_acquire acquire;
        progress(p.stage, p.done, p.total);
      });
    } else {
      engine_->on_progress({});
    }
    expected<actors::run_summary> summary = make_error(ec::unexpected, "not run");
    {
      py::gil_scoped_release release;
      summary = store.empty() ? engine_->run(paths, out) : engine_->ingest(store, paths, feed, out, people_, months_);
    }
    engine_->on_progress({}); // drop the Python callable while holding the GIL
    if (!summary)
      throw std::runtime_error(summary.error_value().message);
    py::dict d;
    d["out"] = summary->out.string();
    d["files"] = summary->files;
    d["parsed"] = summary->parsed;
    d["skipped"] = summary->skipped;
    d["receipts"] = summary->receipts;
    d["rematched"] = summary->rematched;
    d["quarantined"] = summary->quarantined;
    d["by_status"] = summary->by_status;
    d["findings_by_code"] = summary->findings_by_code;
    d["seconds"] = py::dict(py::arg("read") = summary->read_seconds, py::arg("match") = summary->match_seconds,
                            py::arg("write") = summary->write_seconds, py::arg("total") = summary->total_seconds);
    d["peak_shard_mailbox"] = summary->peak_shard_mailbox;
    return d;
  }

public:
  py::dict purge(const std::string& store, uint32_t older_than_months) {
    if (!engine_)
      throw std::runtime_error("the engine is closed");
    expected<actors::purge_report> report = actors::purge_report{};
    {
      py::gil_scoped_release release;
      report = engine_->purge(store, older_than_months);
    }
    if (!report)
      throw std::runtime_error(report.error_value().message);
    py::dict d;
    d["newest_month"] = report->newest_month;
    d["cutoff_month"] = report->cutoff_month;
    d["deliveries"] = report->deliveries;
    d["receipts"] = report->claims;
    d["kept"] = report->kept;
    d["unknown"] = report->unknown;
    d["orphans"] = report->orphans;
    return d;
  }

  void cancel() {
    if (engine_)
      engine_->cancel();
  }

  void close() {
    if (!engine_)
      return;
    py::gil_scoped_release release;
    engine_->close();
    engine_.reset();
  }

  bool closed() const { return !engine_; }

private:
  void check_open() const {
    if (!engine_)
      throw std::runtime_error("the engine is closed");
  }
  std::unique_ptr<actors::engine> engine_;
  std::vector<std::pair<std::string, std::string>> people_; // forced re-match (ingest)
  std::vector<uint32_t> months_;
};

} // namespace

void register_engine(py::module_& m) {
  py::class_<py_engine>(m, "Engine", "The actor runtime: load the office's feed, run batches.")
    .def(py::init<uint32_t, uint32_t, size_t, size_t, const std::string&, const std::string&>(),
         py::arg("shards") = 8, py::arg("threads") = 2, py::arg("batch_size") = 2048, py::arg("window") = 8,
         py::arg("masters") = "", py::arg("config") = "")
    .def("load_feed", &py_engine::load_feed, py::arg("kind"), py::arg("path"),
         "Loads one feed file (recipients, tickets or other_schemes); returns its row counts.")
    .def("run", &py_engine::run, py::arg("receipts"), py::arg("out"), py::arg("progress") = py::none(),
         "Matches the receipt files against the feed and writes the result file `out`.")
    .def("ingest", &py_engine::ingest, py::arg("store"), py::arg("receipts"), py::arg("feed"), py::arg("out"),
         py::arg("progress") = py::none(), py::arg("people") = std::vector<std::pair<std::string, std::string>>{},
         py::arg("months") = std::vector<uint32_t>{},
         "Store mode: adds new deliveries to the store and matches everything it holds.")
    .def("purge", &py_engine::purge, py::arg("store"), py::arg("older_than_months"),
         "Retention: removes receipt deliveries whose care months are all older than the cutoff (docs/privacy.md).")
    .def("cancel", &py_engine::cancel, "Asks a running run() to stop.")
    .def("close", &py_engine::close, "Stops the actor system. Safe to call twice.")
    .def_property_readonly("closed", &py_engine::closed);
}

} // namespace receptor::python
