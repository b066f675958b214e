#include "receptor/actors/engine.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>
#include <unordered_map>

#include "receptor/actors/actors.hpp"
#include "receptor/actors/delivery_store.hpp"
#include "receptor/master/master_set.hpp"
#include "receptor/match/routing.hpp"
#include "receptor/uke/summary.hpp"
#include "receptor/privacy/audit.hpp"
#include "receptor/privacy/sealed_file.hpp"

namespace receptor::actors {

namespace fs = std::filesystem;

namespace {

bool is_receipt_file(const fs::path& p) {
  auto name = p.filename().string();
  std::string upper;
  for (char c : name)
    upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  auto ext = p.extension().string();
  std::string uext;
  for (char c : ext)
    uext += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return uext == ".UKE" || uext == ".CYO" || uext == ".HEN"
         || (uext == ".CSV" && upper.find("RECODEINFO") != std::string::npos);
}

// The ingest journal: the deliveries latest.h5 covers, one sha256 a line.
constexpr const char* covered_name = "latest.covers";

std::unordered_set<std::string> read_covered(const fs::path& store_dir) {
  std::unordered_set<std::string> out;
  auto text = privacy::read_whole_file(store_dir / covered_name);
  if (!text)
    return out;
  size_t at = 0;
  while (at < text->size()) {
    auto end = text->find('\n', at);
    if (end == std::string::npos)
      break; // a line without its end was never completed
    out.insert(text->substr(at, end - at));
    at = end + 1;
  }
  return out;
}

error write_covered(const fs::path& store_dir, const delivery_store& store) {
  std::string text;
  for (auto& d : store.deliveries())
    text += d.sha256 + "\n";
  return privacy::write_file_atomically(store_dir / covered_name, text);
}

// Rows with a ticket_id in its order. Rows of several strings are sorted
// as pointers and moved once, not swapped in place at every step.
template <class Row>
void sort_by_ticket_id(std::vector<Row>& rows) {
  std::vector<Row*> order;
  order.reserve(rows.size());
  for (auto& r : rows)
    order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const Row* a, const Row* b) { return a->ticket_id < b->ticket_id; });
  std::vector<Row> sorted;
  sorted.reserve(rows.size());
  for (auto* r : order)
    sorted.push_back(std::move(*r));
  rows = std::move(sorted);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The actor system's configuration: threads and every message type.
class system_config : public caf::actor_system_config {
public:
  explicit system_config(uint32_t threads) {
    receptor::actors::add_message_types(*this);
    set("scheduler.max-threads", static_cast<size_t>(threads == 0 ? 1 : threads));
    // A busy SHARD yields now and then instead of draining its whole mailbox.
    set("scheduler.max-throughput", static_cast<size_t>(300));
  }
};

} // namespace

expected<std::vector<fs::path>> receipt_files(const std::vector<fs::path>& paths) {
  std::vector<fs::path> out;
  for (auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      auto root = fs::canonical(p, ec);
      if (ec)
        return make_error(ec::io_error, p.string() + ": cannot resolve: " + ec.message());
      std::vector<fs::path> found;
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
        auto& entry = *it;
        // Hostile-input fix: links are not followed, whatever they point at.
        if (entry.is_symlink(ec))
          return make_error(ec::invalid_argument, entry.path().string() + ": a symbolic link in " + p.string()
                                                    + "; refused (deliveries must be plain files in the folder)");
        if (!entry.is_regular_file(ec) || !is_receipt_file(entry.path()))
          continue;
        auto real = fs::canonical(entry.path(), ec);
        auto inside = !ec && std::mismatch(root.begin(), root.end(), real.begin(), real.end()).first == root.end();
        if (!inside)
          return make_error(ec::invalid_argument,
                            entry.path().string() + ": resolves outside " + p.string() + "; refused");
        found.push_back(entry.path());
      }
      if (ec)
        return make_error(ec::io_error, p.string() + ": cannot list: " + ec.message());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

struct engine::incremental {
  store::previous_results previous;
  std::unordered_set<std::string> touched;
  std::set<std::string> touched_offices;
  std::set<uint32_t> months; // matched again on request

  // A kept claim is matched again if its person is touched, or if the feed
  // now names another person for it (both are matched again then).
  void note(const match::claim& c) {
    auto key = match::person_key(c);
    auto prev = previous.receipts.find(c.receipt_key);
    if (prev == previous.receipts.end() || touched_offices.count(c.office_no) || months.count(c.month)) {
      touched.insert(key);
      return;
    }
    if (prev->second.person_id != c.person_id) {
      touched.insert(key);
      touched.insert(prev->second.person_id.empty() ? match::person_key(c.office_no, "#" + c.recipient_no)
                                                    : match::person_key(c.office_no, prev->second.person_id));
    }
  }
};

// The masters the checks read when none are named: $RECEPTOR_MASTERS, else
// those of the source tree this engine was built from.
fs::path default_masters_dir() {
  if (auto* env = std::getenv("RECEPTOR_MASTERS"); env && *env)
    return env;
#ifdef RECEPTOR_SOURCE_MASTERS
  std::error_code ec;
  if (fs::is_directory(RECEPTOR_SOURCE_MASTERS, ec))
    return RECEPTOR_SOURCE_MASTERS;
#endif
  return {};
}

// Other schemes' 法別 as a number (0 if not two digits).
uint8_t law_of(const std::string& text) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9')
    return 0;
  return static_cast<uint8_t>((text[0] - '0') * 10 + (text[1] - '0'));
}

struct engine::impl {
  engine_options options;
  // Loaded at the first run and kept: the masters take a second to read.
  std::optional<check_setup> checks;
  std::string masters_json = "null";
  feed::office_feed feed;
  /// Store mode: content hash and size of each sealed feed copy loaded, by copy path.
  std::unordered_map<std::string, std::pair<std::string, uint64_t>> feed_inputs;
  std::function<void(const progress&)> progress_callback;
  std::atomic<bool> cancelled{false};
  // The system lives in optionals so that close() decides the order of
  // teardown: actors first, then the system (Broker's lesson, without the union).
  std::optional<system_config> config;
  std::optional<caf::actor_system> system;

  void report(const char* stage, uint64_t done, uint64_t total) {
    if (progress_callback)
      progress_callback(progress{stage, done, total});
  }
};

engine::engine(engine_options options) : impl_(std::make_unique<impl>()) {
  impl_->options = options;
  impl_->config.emplace(options.threads);
  impl_->system.emplace(*impl_->config);
}

engine::~engine() { close(); }

void engine::close() {
  if (!impl_ || !impl_->system)
    return;
  // Every actor of a run is gone when run() returns; nothing can keep the
  // system waiting here.
  impl_->system.reset();
  impl_->config.reset();
}

void engine::on_progress(std::function<void(const progress&)> callback) {
  impl_->progress_callback = std::move(callback);
}

void engine::cancel() { impl_->cancelled = true; }

expected<check_setup> engine::check_setup_for_run() {
  if (impl_->checks)
    return *impl_->checks;
  auto config = std::make_shared<checks::check_config>();
  if (!impl_->options.config_file.empty()) {
    auto loaded = checks::load_check_config(impl_->options.config_file);
    if (!loaded)
      return loaded.error_value();
    *config = std::move(*loaded);
  }
  auto facts = std::make_shared<checks::clinical_facts>();
  auto dir = impl_->options.masters_dir.empty() ? default_masters_dir() : impl_->options.masters_dir;
  if (!dir.empty()) {
    auto masters = master::master_set::load(dir);
    if (!masters)
      return masters.error_value();
    if (masters->drugs().empty())
      return make_error(ec::invalid_argument, dir.string() + ": no 医薬品マスター (y_*.csv) in the masters folder");
    facts = std::make_shared<checks::clinical_facts>(*masters, *config);
    impl_->masters_json = "[";
    for (size_t i = 0; i < masters->files().size(); ++i)
      impl_->masters_json += (i ? ",\"" : "\"") + uke::json_escape(masters->files()[i]) + "\"";
    impl_->masters_json += "]";
  }
  impl_->checks = check_setup{config, facts};
  return *impl_->checks;
}

const feed::office_feed& engine::feed() const { return impl_->feed; }
const engine_options& engine::options() const { return impl_->options; }

error engine::load_feed(feed::feed_file kind, const fs::path& file) { return impl_->feed.load(kind, file); }

expected<run_summary> engine::run(const std::vector<fs::path>& receipt_paths, const fs::path& out,
                                  const std::vector<std::pair<feed::feed_file, fs::path>>& feed_files) {
  if (!impl_->system)
    return make_error(ec::invalid_argument, "engine is closed");
  for (auto& p : receipt_paths) {
    std::error_code exists_error;
    if (!fs::exists(p, exists_error))
      return make_error(ec::io_error, p.string() + ": no such file or folder");
  }
  auto listed = receipt_files(receipt_paths);
  if (!listed)
    return listed.error_value();
  auto& files = *listed;
  if (files.empty())
    return make_error(ec::invalid_argument, "no receipt files in the given paths");
  std::vector<input_slot> inputs;
  for (auto& f : files)
    inputs.push_back({f, f.string(), {}, true, {}});
  return pipeline(std::move(inputs), out, nullptr, nullptr, feed_files);
}

expected<run_summary> engine::pipeline(std::vector<input_slot> inputs, const fs::path& out,
                                       std::vector<std::vector<match::claim>>* parsed, incremental* inc,
                                       const std::vector<std::pair<feed::feed_file, fs::path>>& feed_files) {
  impl_->cancelled = false;
  auto started = std::chrono::steady_clock::now();
  auto& sys = *impl_->system;
  auto& opts = impl_->options;
  std::vector<fs::path> files;
  std::vector<size_t> to_parse; // input indexes read by READERs
  for (size_t i = 0; i < inputs.size(); ++i) {
    files.push_back(inputs[i].read_path);
    if (inputs[i].parse)
      to_parse.push_back(i);
  }
  // Readers share the feed read-only for the length of the run.
  auto feed = std::shared_ptr<const feed::office_feed>(&impl_->feed, [](const feed::office_feed*) {});
  auto shard_count = opts.shards == 0 ? 1u : opts.shards;

  // Feed files given to the run load on a thread of their own while the
  // masters load and the READERs parse: they need the feed only to
  // identify people.
  std::future<error> feed_loading;
  if (!feed_files.empty()) {
    if (inc != nullptr)
      return make_error(ec::invalid_argument, "store mode loads the feed from the store");
    feed_loading = std::async(std::launch::async, [this, &feed_files]() -> error {
      for (auto& [kind, file] : feed_files)
        if (auto err = impl_->feed.load(kind, file))
          return err;
      return {};
    });
  }

  auto setup = check_setup_for_run();
  if (!setup)
    return setup.error_value();

  caf::scoped_actor self{sys};
  std::vector<caf::actor> shards, readers, all;
  for (uint32_t i = 0; i < shard_count; ++i)
    shards.push_back(sys.spawn(shard, *setup));
  auto aggregator_actor = sys.spawn(aggregator, *setup);
  auto reader_count = std::max<uint32_t>(1, opts.threads);
  for (uint32_t i = 0; i < reader_count; ++i)
    readers.push_back(
      sys.spawn(reader, shards, feed, opts.batch_size, opts.window, inc != nullptr, !feed_loading.valid()));
  auto writer_actor = sys.spawn<caf::detached>(writer);
  all = shards;
  all.insert(all.end(), readers.begin(), readers.end());
  all.push_back(writer_actor);
  all.push_back(aggregator_actor);
  // A dying actor ends the run with its reason instead of a hang.
  for (auto& a : all)
    self->monitor(a);
  auto stop_all = [&] {
    for (auto& a : all)
      self->send_exit(a, caf::exit_reason::kill);
    self->wait_for(all);
  };

  // Tickets, protection periods and the offices with a feed, each to the
  // SHARD of its person.
  auto distribute_feed = [&] {
    std::vector<ticket_batch> tickets(shard_count);
    std::vector<recipient_batch> periods(shard_count);
    std::vector<scheme_batch> schemes(shard_count);
    std::set<std::string> office_set; // a few dozen offices, not one per ticket
    for (auto& t : impl_->feed.tickets()) {
      tickets[match::shard_of(t.office_no, t.person_id, shard_count)].rows.push_back(match::to_ticket_row(t));
      office_set.insert(t.office_no);
    }
    std::vector<std::string> offices(office_set.begin(), office_set.end());
    for (auto& r : impl_->feed.recipients())
      periods[match::shard_of(r.office_no, r.person_id, shard_count)].rows.push_back(match::to_recipient_row(r));
    for (auto& o : impl_->feed.other_schemes())
      schemes[match::shard_of(o.office_no, o.person_id, shard_count)].rows.push_back(
        {o.office_no, o.person_id, law_of(o.law_no), o.valid_from, o.valid_to});
    for (uint32_t s = 0; s < shard_count; ++s) {
      self->send(shards[s], office_list{offices});
      self->send(shards[s], std::move(tickets[s]));
      self->send(shards[s], std::move(periods[s]));
      self->send(shards[s], std::move(schemes[s]));
    }
  };
  if (!feed_loading.valid())
    distribute_feed();

  run_summary summary;
  summary.out = out;
  summary.files = files.size();
  summary.parsed = to_parse.size();
  store::run_output output;
  output.inputs.resize(files.size());
  std::optional<error> failure;
  auto on_down = [&](caf::down_msg& dm) {
    if (!failure)
      failure = make_error(ec::unexpected, "an actor stopped during the run: " + sys.render(dm.reason));
  };
  auto on_error = [&](caf::error& err) {
    if (!failure)
      failure = make_error(ec::unexpected, "run failed: " + sys.render(err));
  };

  uint32_t as_of_month = 0;
  // Claims kept from earlier runs: found again (the feed may have changed)
  // and sent to their SHARDs, one acknowledged batch at a time.
  for (size_t i = 0; i < inputs.size() && !failure; ++i) {
    if (inputs[i].parse)
      continue;
    auto& slot = inputs[i];
    output.inputs[i] = slot.info;
    output.inputs[i].path = slot.shown;
    summary.receipts += slot.stored.size();
    std::vector<claim_batch> routed(shard_count);
    for (auto& c : slot.stored) {
      c.source_file = static_cast<uint32_t>(i);
      c.person_id.clear();
      c.identified = 0;
      match::identify(c, impl_->feed);
      if (inc)
        inc->note(c);
      as_of_month = std::max(as_of_month, c.month);
      routed[match::shard_of(c, shard_count)].claims.push_back(std::move(c));
    }
    slot.stored.clear();
    for (uint32_t s = 0; s < shard_count && !failure; ++s) {
      auto& claims = routed[s].claims;
      for (size_t at = 0; at < claims.size(); at += opts.batch_size) {
        claim_batch b;
        auto end = std::min(claims.size(), at + opts.batch_size);
        b.claims.assign(std::make_move_iterator(claims.begin() + static_cast<long>(at)),
                        std::make_move_iterator(claims.begin() + static_cast<long>(end)));
        self->request(shards[s], caf::infinite, std::move(b)).receive([](uint64_t) {}, on_error);
      }
    }
  }

  // The feed is in: SHARDs get its rows, READERs identify what they parked.
  std::vector<decltype(self->request(readers.front(), caf::infinite, feed_ready_atom_v))> parked_routing;
  auto feed_loaded = [&] {
    if (auto err = feed_loading.get()) {
      if (!failure)
        failure = std::move(err);
      return;
    }
    distribute_feed();
    for (auto& r : readers)
      parked_routing.push_back(self->request(r, caf::infinite, feed_ready_atom_v));
  };

  // READ: files go to READERs as they finish the ones they hold.
  auto read_start = std::chrono::steady_clock::now();
  size_t next = 0, finished = 0, in_flight = 0;
  // Two files per READER: the next one waits in its mailbox, so a READER
  // never idles while this thread wakes up to hand it one (a few percent of
  // both cores on thousands of small files). Its window spans both.
  constexpr uint32_t files_per_reader = 2;
  std::vector<uint32_t> idle;
  for (uint32_t k = 0; k < files_per_reader; ++k)
    for (uint32_t i = 0; i < reader_count; ++i)
      idle.push_back(reader_count - 1 - i);
  std::unordered_map<uint32_t, uint32_t> reader_of;
  impl_->report("read", 0, to_parse.size());
  while (finished < to_parse.size() && !failure) {
    while (next < to_parse.size() && !idle.empty() && !impl_->cancelled) {
      auto r = idle.back();
      idle.pop_back();
      auto index = static_cast<uint32_t>(to_parse[next]);
      reader_of[index] = r;
      self->send(readers[r], read_atom_v, index, files[index].string());
      ++next;
      ++in_flight;
    }
    if (impl_->cancelled && in_flight == 0)
      break;
    if (feed_loading.valid() && feed_loading.wait_for(std::chrono::seconds{0}) == std::future_status::ready)
      feed_loaded();
    self->receive(
      [&](file_done& done) {
        --in_flight;
        ++finished;
        idle.push_back(reader_of[done.file]);
        // A file that cannot be read at all stops the run: no half result.
        if (!done.error.empty() && !failure)
          failure = make_error(ec::io_error, done.error);
        summary.receipts += done.input.receipts;
        as_of_month = std::max(as_of_month, done.max_month);
        if (inc)
          inc->touched.insert(done.people.begin(), done.people.end());
        // Reports name the file as given (store mode reads a copy).
        done.input.path = inputs[done.file].shown;
        output.inputs[done.file] = std::move(done.input);
        for (auto& q : done.quarantine) {
          q.source_file = inputs[done.file].shown;
          output.quarantine.push_back(std::move(q));
        }
        impl_->report("read", finished, to_parse.size());
      },
      on_down, on_error);
  }
  if (feed_loading.valid()) {
    if (failure)
      feed_loading.wait();
    else
      feed_loaded(); // every file was parsed before the feed was in
  }
  for (auto& routing : parked_routing)
    routing.receive([&](uint64_t parked) { summary.parked += parked; }, on_error);
  if (impl_->cancelled && !failure)
    failure = make_error(ec::invalid_argument, "run cancelled");
  if (failure) {
    stop_all();
    return *failure;
  }
  summary.read_seconds = seconds_since(read_start);

  // MATCH: every SHARD at once, gathered as they finish.
  auto match_start = std::chrono::steady_clock::now();
  // The latest care month read decides which tickets are overdue.
  match_request request;
  request.as_of_month = as_of_month;
  request.everyone = inc == nullptr;
  if (inc)
    request.touched.assign(inc->touched.begin(), inc->touched.end());
  for (auto& s : shards)
    self->send(s, match_atom_v, request);
  std::vector<match::match_results> parts;
  person_feature_set features;
  institution_set institutions;
  impl_->report("match", 0, shard_count);
  while (parts.size() < shard_count && !failure)
    self->receive(
      [&](shard_result& r) {
        summary.peak_shard_mailbox = std::max(summary.peak_shard_mailbox, r.peak_mailbox);
        parts.push_back(std::move(r.results));
        features.rows.insert(features.rows.end(), std::make_move_iterator(r.features.begin()),
                             std::make_move_iterator(r.features.end()));
        institutions.rows.insert(institutions.rows.end(), std::make_move_iterator(r.institutions.begin()),
                                 std::make_move_iterator(r.institutions.end()));
        impl_->report("match", parts.size(), shard_count);
      },
      on_down, on_error);
  if (failure) {
    stop_all();
    return *failure;
  }
  // SCORE: the AGGREGATOR fits peer models from every shard's person-months
  // and sends them back to the SHARDs, which score their own people; it
  // adds the institutions' partial sums and scores them itself. Meanwhile
  // the ENGINE merges the matches (during the fit) and builds the tickets'
  // outcome (during the scoring).
  auto fit = self->request(aggregator_actor, caf::infinite, fit_atom_v, std::move(features));

  // Merge: one order whatever the sharding. The claims stay in the parts
  // their SHARDs returned; only their (part, index) is sorted.
  // The tickets come back from the SHARDs that held them (the feed's own
  // rows would be a third copy), with the use of those they matched.
  std::vector<match::ticket_use> decided;
  for (uint32_t k = 0; k < parts.size(); ++k) {
    auto& p = parts[k];
    summary.rematched += p.claims.size();
    for (auto& f : p.findings)
      output.findings.push_back(std::move(f));
    decided.insert(decided.end(), std::make_move_iterator(p.tickets.begin()), std::make_move_iterator(p.tickets.end()));
    output.tickets.insert(output.tickets.end(), std::make_move_iterator(p.ticket_rows.begin()),
                          std::make_move_iterator(p.ticket_rows.end()));
    std::vector<match::ticket_row>{}.swap(p.ticket_rows);
    // People no delivery touched keep what the earlier run decided.
    for (auto& c : p.kept) {
      auto prev = inc ? inc->previous.receipts.find(c.receipt_key) : decltype(inc->previous.receipts)::iterator{};
      if (!inc || prev == inc->previous.receipts.end()) {
        if (!failure)
          failure = make_error(ec::unexpected, "receipt " + c.receipt_key + " was neither matched nor kept");
        continue;
      }
      auto m = prev->second;
      m.source_file = c.source_file;
      m.source_line = c.source_line;
      // Only the match decided earlier carries over; the checks ran again
      // over everyone.
      if (auto f = inc->previous.receipt_findings.find(c.receipt_key); f != inc->previous.receipt_findings.end())
        for (auto& finding : f->second)
          if (match::status_from_string(finding.code) != match::status::not_welfare)
            output.findings.push_back(finding);
      p.claims.push_back(std::move(c));
      p.receipts.push_back(std::move(m));
    }
    output.claims.push_back(std::move(p.claims));
    output.receipts.push_back(std::move(p.receipts));
  }
  if (failure) {
    stop_all();
    return *failure;
  }
  struct keyed_row {
    const std::string* key;
    uint32_t part, index;
  };
  std::vector<keyed_row> rows;
  for (uint32_t k = 0; k < output.claims.size(); ++k)
    for (uint32_t i = 0; i < output.claims[k].size(); ++i)
      rows.push_back({&output.claims[k][i].receipt_key, k, i});
  std::sort(rows.begin(), rows.end(), [](const keyed_row& a, const keyed_row& b) { return *a.key < *b.key; });
  if (parsed)
    parsed->assign(inputs.size(), {});
  std::array<uint64_t, static_cast<size_t>(match::status::not_welfare) + 1> by_status{};
  output.order.reserve(rows.size());
  for (auto& r : rows) {
    auto& c = output.claims[r.part][r.index];
    ++by_status[static_cast<size_t>(output.receipts[r.part][r.index].result)];
    if (parsed && inputs[c.source_file].parse)
      (*parsed)[c.source_file].push_back(c);
    output.order.emplace_back(r.part, r.index);
  }
  for (size_t s = 0; s < by_status.size(); ++s)
    if (by_status[s] > 0)
      summary.by_status[match::to_string(static_cast<match::status>(s))] += by_status[s];
  std::vector<keyed_row>{}.swap(rows);
  std::vector<match::match_results>{}.swap(parts);
  for (auto& part : output.claims)
    for (auto& c : part) {
      if (c.law_no == 0 || c.drugs.empty())
        continue;
      auto& lines = output.drug_lines[{c.office_no, c.month}];
      for (auto& d : c.drugs) {
        ++lines.first;
        if (auto* facts = setup->facts->drug(d.code); facts && facts->generic)
          ++lines.second;
      }
    }
  peer_model_set models;
  fit.receive([&](peer_model_set& m) { models = std::move(m); }, on_error);
  auto institution_scoring = self->request(aggregator_actor, caf::infinite, score_atom_v, std::move(institutions));
  for (auto& s : shards)
    self->send(s, score_atom_v, models);

  sort_by_ticket_id(output.tickets);
  sort_by_ticket_id(decided);
  auto use = decided.begin();
  for (auto& t : output.tickets) {
    while (use != decided.end() && use->ticket_id < t.ticket_id)
      ++use;
    if (use != decided.end() && use->ticket_id == t.ticket_id) {
      output.ticket_uses.push_back(std::move(*use));
      continue;
    }
    // A ticket of an untouched person: used stays used; the rest depends on
    // how far the months have come.
    auto prev = inc ? inc->previous.ticket_use.find(t.ticket_id) : decltype(inc->previous.ticket_use)::iterator{};
    bool used = inc && prev != inc->previous.ticket_use.end() && prev->second == "used";
    output.ticket_uses.push_back(match::use_of_ticket(t, used, as_of_month, output.findings));
  }
  institution_scoring.receive(
    [&](institution_scores& r) {
      output.institution_scores = std::move(r.rows);
      output.findings.insert(output.findings.end(), std::make_move_iterator(r.findings.begin()),
                             std::make_move_iterator(r.findings.end()));
    },
    on_error);
  // Each SHARD's rows, sorted by person and month as pointers and moved
  // once into the output (the rows are strings and a feature vector each).
  std::vector<person_scores> scored_parts;
  for (uint32_t answered = 0; answered < shard_count && !failure;)
    self->receive(
      [&](person_scores& r) {
        ++answered;
        r.scores.resize(r.rows.size());
        output.findings.insert(output.findings.end(), std::make_move_iterator(r.findings.begin()),
                               std::make_move_iterator(r.findings.end()));
        scored_parts.push_back(std::move(r));
      },
      on_down, on_error);
  if (failure) {
    stop_all();
    return *failure;
  }
  {
    std::vector<std::pair<scores::person_month*, scores::scored*>> order;
    for (auto& part : scored_parts)
      for (size_t i = 0; i < part.rows.size(); ++i)
        order.emplace_back(&part.rows[i], &part.scores[i]);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first->office_no, a.first->person_id, a.first->month)
             < std::tie(b.first->office_no, b.first->person_id, b.first->month);
    });
    output.person_rows.reserve(order.size());
    output.person_scores.reserve(order.size());
    for (auto [row, score] : order) {
      output.person_rows.push_back(std::move(*row));
      output.person_scores.push_back(std::move(*score));
    }
  }
  std::vector<person_scores>{}.swap(scored_parts);

  match::sort_findings(output.findings);
  for (auto& f : output.findings)
    ++summary.findings_by_code[f.code];
  for (auto& report : impl_->feed.files()) {
    store::input_file in;
    in.path = report.file;
    in.role = feed::to_string(report.kind);
    // Store mode loaded a sealed copy: its content hash and size are known.
    if (auto known = impl_->feed_inputs.find(report.file); known != impl_->feed_inputs.end()) {
      in.sha256 = known->second.first;
      in.bytes = known->second.second;
      output.inputs.push_back(std::move(in));
      continue;
    }
    auto hash = store::sha256_file(report.file);
    in.sha256 = hash ? *hash : std::string{};
    std::error_code size_error;
    in.bytes = fs::file_size(report.file, size_error);
    output.inputs.push_back(std::move(in));
  }
  for (auto& q : impl_->feed.quarantine())
    output.quarantine.push_back({q.file, static_cast<uint32_t>(q.line), q.reason, q.raw});
  summary.quarantined = output.quarantine.size();
  output.config_json = "{\"shards\":" + std::to_string(shard_count) + ",\"threads\":" + std::to_string(opts.threads)
                       + ",\"batch_size\":" + std::to_string(opts.batch_size) + ",\"as_of_month\":"
                       + std::to_string(as_of_month) + ",\"masters\":" + impl_->masters_json
                       + ",\"checks\":" + checks::to_json(*setup->config) + "}";
  // The SHARDs still hold every ticket and protection period, the READERs
  // nothing useful: let them go before the result is built, which is when
  // a national month needs the most memory.
  {
    std::vector<caf::actor> idle_actors = shards;
    idle_actors.insert(idle_actors.end(), readers.begin(), readers.end());
    idle_actors.push_back(aggregator_actor);
    for (auto& a : idle_actors) {
      self->demonitor(a);
      self->send_exit(a, caf::exit_reason::user_shutdown);
    }
    self->wait_for(idle_actors);
    all = {writer_actor};
  }

  summary.match_seconds = seconds_since(match_start);

  // WRITE: the detached WRITER owns the HDF5 file.
  auto write_start = std::chrono::steady_clock::now();
  impl_->report("write", 0, 1);
  self->request(writer_actor, caf::infinite, write_atom_v, write_request{out.string(), std::move(output)})
    .receive([&](bool) {}, [&](caf::error& err) { on_error(err); });
  stop_all();
  if (failure)
    return *failure;
  impl_->report("write", 1, 1);
  summary.write_seconds = seconds_since(write_start);
  summary.total_seconds = seconds_since(started);
  return summary;
}

expected<purge_report> engine::purge(const fs::path& store_dir, uint32_t older_than_months) {
  if (!impl_->system)
    return make_error(ec::invalid_argument, "engine is closed");
  std::error_code exists_error;
  if (!fs::is_directory(store_dir, exists_error))
    return make_error(ec::io_error, store_dir.string() + ": no such store");
  auto store = delivery_store::open(store_dir);
  if (!store)
    return store.error_value();
  const char* log = std::getenv(privacy::audit_log_variable);
  return store->purge(*impl_->system, older_than_months,
                      log != nullptr && *log != '\0' ? fs::path{log} : store_dir / "audit.jsonl");
}

expected<run_summary> engine::ingest(const fs::path& store_dir, const std::vector<fs::path>& receipts,
                                     const std::vector<std::pair<feed::feed_file, fs::path>>& feed_files,
                                     const fs::path& out,
                                     const std::vector<std::pair<std::string, std::string>>& people,
                                     const std::vector<uint32_t>& months) {
  if (!impl_->system)
    return make_error(ec::invalid_argument, "engine is closed");
  auto opened = delivery_store::open(store_dir);
  if (!opened)
    return opened.error_value();
  auto& store = *opened;
  // What latest.h5 covers (ingest journal): a delivery added by a run that
  // died before writing latest.h5 counts as new, so what it changed is
  // matched again.
  auto covered = read_covered(store_dir);
  uint64_t skipped = 0;
  for (auto& [kind, file] : feed_files) {
    auto added = store.add(file, feed::to_string(kind));
    if (!added)
      return added.error_value();
    skipped += !added->second;
  }
  for (auto& p : receipts) {
    std::error_code exists_error;
    if (!fs::exists(p, exists_error))
      return make_error(ec::io_error, p.string() + ": no such file or folder");
  }
  auto listed = receipt_files(receipts);
  if (!listed)
    return listed.error_value();
  for (auto& file : *listed) {
    auto added = store.add(file, "receipts");
    if (!added)
      return added.error_value();
    skipped += !added->second;
  }
  // The feed as every delivery so far made it, in the order they came, and
  // as it was before this night's deliveries (to see what they changed).
  auto load_feed_deliveries = [&](feed::office_feed& into, bool only_covered) -> error {
    for (auto& d : store.deliveries()) {
      if (d.role == "receipts" || (only_covered && !covered.count(d.sha256)))
        continue;
      auto kind = d.role == "recipients" ? feed::feed_file::recipients
                  : d.role == "tickets"  ? feed::feed_file::tickets
                                         : feed::feed_file::other_schemes;
      // The copy is sealed: decrypted in memory, never on disk.
      auto bytes = store.read(d);
      if (!bytes)
        return bytes.error_value();
      if (auto err = into.load(kind, *bytes, d.copy.string()))
        return err;
      impl_->feed_inputs[d.copy.string()] = {d.sha256, bytes->size()};
    }
    return {};
  };
  impl_->feed = feed::office_feed{};
  impl_->feed_inputs.clear();
  if (auto err = load_feed_deliveries(impl_->feed, false))
    return err;
  // Incremental: only people touched by the new deliveries are matched again.
  std::unique_ptr<incremental> inc;
  auto latest = store_dir / "latest.h5";
  std::error_code latest_error;
  if (fs::exists(latest, latest_error)) {
    if (auto previous = store::read_previous(latest)) {
      inc = std::make_unique<incremental>();
      inc->previous = std::move(*previous);
      feed::office_feed before;
      if (auto err = load_feed_deliveries(before, true))
        return err;
      std::unordered_map<std::string, const feed::ticket*> old_tickets;
      for (auto& t : before.tickets())
        old_tickets.emplace(t.ticket_id, &t);
      auto same_ticket = [](const feed::ticket& a, const feed::ticket& b) {
        auto x = match::to_ticket_row(a), y = match::to_ticket_row(b);
        return std::tie(x.office_no, x.recipient_no, x.person_id, x.month, x.care, x.institution, x.valid_from,
                        x.valid_to, x.copay, x.with_insurance, x.in_force, x.cancelled)
               == std::tie(y.office_no, y.recipient_no, y.person_id, y.month, y.care, y.institution, y.valid_from,
                           y.valid_to, y.copay, y.with_insurance, y.in_force, y.cancelled);
      };
      for (auto& t : impl_->feed.tickets()) {
        auto old = old_tickets.find(t.ticket_id);
        if (old == old_tickets.end() || !same_ticket(*old->second, t)) {
          inc->touched.insert(match::person_key(t.office_no, t.person_id));
          inc->touched.insert(match::person_key(t.office_no, "#" + t.recipient_no));
          if (old != old_tickets.end())
            inc->touched.insert(match::person_key(old->second->office_no, old->second->person_id));
        }
      }
      std::set<std::tuple<std::string, std::string, uint32_t, uint32_t, std::string, uint32_t, uint8_t>> old_people;
      for (auto& r : before.recipients())
        old_people.emplace(r.office_no, r.person_id, r.protected_from, r.protected_to, r.name, r.birth_date, r.sex);
      for (auto& r : impl_->feed.recipients())
        if (!old_people.count({r.office_no, r.person_id, r.protected_from, r.protected_to, r.name, r.birth_date, r.sex}))
          inc->touched.insert(match::person_key(r.office_no, r.person_id));
      for (auto& [office, person] : people)
        inc->touched.insert(match::person_key(office, person));
      inc->months.insert(months.begin(), months.end());
      // An office that starts (or stops) delivering tickets changes all its receipts.
      for (auto& t : impl_->feed.tickets())
        if (!before.has_ticket_feed(t.office_no))
          inc->touched_offices.insert(t.office_no);
    }
  }
  // Receipts: kept claims where a delivery was read before, else read it.
  std::vector<input_slot> inputs;
  std::vector<std::string> hashes;
  for (auto& d : store.deliveries()) {
    if (d.role != "receipts")
      continue;
    input_slot slot;
    slot.read_path = d.copy;
    slot.shown = d.original;
    if (store.has_claims(d.sha256)) {
      auto claims = store.load_claims(*impl_->system, d.sha256);
      if (!claims)
        return claims.error_value();
      slot.parse = false;
      slot.stored = std::move(*claims);
      slot.info.path = d.original;
      slot.info.role = "receipts";
      slot.info.sha256 = d.sha256;
      slot.info.bytes = privacy::plaintext_size(d.copy);
      slot.info.receipts = slot.stored.size();
      if (!slot.stored.empty())
        slot.info.format = model::to_string(static_cast<model::receipt_kind>(slot.stored.front().kind));
    }
    inputs.push_back(std::move(slot));
    hashes.push_back(d.sha256);
  }
  if (inputs.empty())
    return make_error(ec::invalid_argument, "the store holds no receipt delivery");
  std::vector<std::vector<match::claim>> parsed;
  auto summary = pipeline(std::move(inputs), out, &parsed, inc.get());
  if (!summary)
    return summary;
  // The outcome of tonight is where tomorrow starts: latest.h5 (durable,
  // renamed into place), then the journal of what it covers.
  if (auto err = privacy::copy_file_atomically(out, latest))
    return make_error(err.code, latest.string() + ": cannot keep the result: " + err.message);
  if (auto err = write_covered(store_dir, store))
    return err;
  // Keep what was read, so the next night only reads what is new.
  for (size_t i = 0; i < parsed.size(); ++i)
    if (!parsed[i].empty() || !store.has_claims(hashes[i]))
      if (auto err = store.save_claims(*impl_->system, hashes[i], parsed[i]))
        return err;
  summary->skipped = skipped;
  return summary;
}

} // namespace receptor::actors
