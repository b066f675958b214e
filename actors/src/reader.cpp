#include "receptor/actors/actors.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <deque>
#include <optional>

#include "receptor/encoding.hpp"
#include "receptor/match/routing.hpp"
#include "receptor/privacy/audit.hpp"
#include "receptor/privacy/sealed_file.hpp"
#include "receptor/uke/reader.hpp"

namespace receptor::actors {

// One file's batches (or the parked claims') on their way to the SHARDs.
struct reader_delivery {
  std::deque<std::pair<uint32_t, claim_batch>> pending;
  size_t in_flight = 0;
  bool failed = false;
  file_done done;
  uint64_t parked = 0; // the answer to feed_ready_atom, when it is one
  bool answers_feed_ready = false;
  caf::response_promise promise;
};

namespace {

using delivery = reader_delivery;

// What changes when a file is written to: a cheap stand-in for hashing it
// a second time (which cost a whole extra pass over every delivery).
struct file_state {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = -1;
  timespec modified{}, changed{};
  bool operator==(const file_state& o) const {
    return device == o.device && inode == o.inode && size == o.size && modified.tv_sec == o.modified.tv_sec
           && modified.tv_nsec == o.modified.tv_nsec && changed.tv_sec == o.changed.tv_sec
           && changed.tv_nsec == o.changed.tv_nsec;
  }
};

std::optional<file_state> state_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return std::nullopt;
  return file_state{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

// Reads a receipt file. A store copy is sealed: it is decrypted in memory
// and read from there. Any other file must be the same file, of the same
// size, untouched, after it was read (and exactly as long as the bytes
// hashed), so a file that changed while it was read is refused rather than
// half-read.
expected<model::receipt_batch> read_receipts(const std::string& path, const uke::read_options& options) {
  if (privacy::file_is_sealed(path)) {
    auto key = privacy::master_key::load();
    if (!key)
      return key.error_value();
    auto bytes = privacy::read_sealed_file(path, *key);
    if (!bytes)
      return bytes.error_value();
    auto batch = uke::read_bytes(*bytes, path, options);
    batch.sha256 = privacy::sha256_hex(*bytes);
    return batch;
  }
  auto before = state_of(path);
  auto batch = uke::read_file(path, options);
  if (!batch)
    return batch;
  auto after = state_of(path);
  if (!before || !after || !(*before == *after) || static_cast<uint64_t>(after->size) != batch->bytes)
    return make_error(ec::io_error, path + ": changed while being read; not ingested");
  return batch;
}

// Identifies each claim's person through the feed and sorts the claims by
// the SHARD that owns that person.
void route(const reader_state& st, std::vector<match::claim>& claims, file_done& done,
           std::vector<std::vector<match::claim>>& routed) {
  routed.assign(st.shards.size(), {});
  for (auto& c : claims) {
    match::identify(c, *st.feed);
    if (st.list_people)
      done.people.push_back(match::person_key(c));
    routed[match::shard_of(c, static_cast<uint32_t>(st.shards.size()))].push_back(std::move(c));
  }
}

// Parses a file into `claims`; what the ENGINE learns of it goes in the result.
file_done read_one(uint32_t file, const std::string& path, std::vector<match::claim>& claims) {
  file_done done;
  done.file = file;
  done.input.path = path;
  done.input.role = "receipts";
  uke::read_options options;
  options.sha256 = true;
  auto batch = read_receipts(path, options);
  if (!batch) {
    done.error = batch.error_value().message;
    return done;
  }
  done.input.sha256 = std::move(batch->sha256);
  done.input.bytes = batch->bytes;
  done.input.lines = batch->lines;
  done.input.format = model::to_string(batch->kind);
  done.input.receipts = batch->receipts.size();
  auto& q = batch->quarantine;
  for (size_t i = 0; i < q.size(); ++i)
    done.quarantine.push_back({path, q.line[i], q.reason[i], to_utf8(batch->view(q.raw[i]), batch->encoding)});
  // Keys of receipts without a 検索番号 carry their file's identity.
  claims = match::extract_claims(*batch, file, std::string_view{done.input.sha256}.substr(0, 16));
  for (auto& c : claims)
    done.max_month = std::max(done.max_month, c.month);
  return done;
}

// Cuts each SHARD's claims into batches of batch_size.
void cut_batches(const reader_state& st, std::vector<std::vector<match::claim>>& routed, delivery& d) {
  for (uint32_t s = 0; s < routed.size(); ++s) {
    auto& claims = routed[s];
    for (size_t at = 0; at < claims.size(); at += st.batch_size) {
      claim_batch b;
      auto end = std::min(claims.size(), at + st.batch_size);
      b.claims.assign(std::make_move_iterator(claims.begin() + static_cast<long>(at)),
                      std::make_move_iterator(claims.begin() + static_cast<long>(end)));
      d.pending.emplace_back(s, std::move(b));
    }
  }
}

// Answers a delivery once its last batch is taken.
void finish_if_done(caf::stateful_actor<reader_state>* self, const std::shared_ptr<delivery>& d) {
  if (d->failed || d->in_flight != 0 || !d->pending.empty() || !d->promise.pending())
    return;
  if (d->answers_feed_ready)
    d->promise.deliver(d->parked);
  else
    d->promise.deliver(std::move(d->done));
  auto& queue = self->state.deliveries;
  queue.erase(std::remove(queue.begin(), queue.end(), d), queue.end());
}

// Sends batches, oldest delivery first, while the READER has fewer than
// `window` in flight: the window spans every file the READER holds.
void send_next(caf::stateful_actor<reader_state>* self) {
  auto& st = self->state;
  for (size_t i = 0; i < st.deliveries.size() && st.in_flight < st.window;) {
    auto d = st.deliveries[i];
    if (d->failed || d->pending.empty()) {
      ++i;
      continue;
    }
    auto [target, batch] = std::move(d->pending.front());
    d->pending.pop_front();
    ++d->in_flight;
    ++st.in_flight;
    self->request(st.shards[target], caf::infinite, std::move(batch))
      .then(
        [=](uint64_t) {
          --d->in_flight;
          --self->state.in_flight;
          finish_if_done(self, d);
          send_next(self);
        },
        [=](caf::error& err) {
          --d->in_flight;
          --self->state.in_flight;
          if (!d->failed) {
            d->failed = true;
            d->promise.deliver(std::move(err));
            auto& queue = self->state.deliveries;
            queue.erase(std::remove(queue.begin(), queue.end(), d), queue.end());
          }
        });
  }
}

// Queues a delivery behind those the READER still sends.
void start(caf::stateful_actor<reader_state>* self, std::shared_ptr<delivery> d) {
  self->state.deliveries.push_back(d);
  finish_if_done(self, d); // a file without claims
  send_next(self);
}

} // namespace

caf::behavior reader(caf::stateful_actor<reader_state>* self, std::vector<caf::actor> shards,
                     std::shared_ptr<const feed::office_feed> feed, size_t batch_size, size_t window,
                     bool list_people, bool feed_ready) {
  self->state.list_people = list_people;
  self->state.feed_ready = feed_ready;
  self->state.shards = std::move(shards);
  self->state.feed = std::move(feed);
  self->state.batch_size = batch_size == 0 ? 1 : batch_size;
  self->state.window = window == 0 ? 1 : window;
  return {
    [=](read_atom, uint32_t file, const std::string& path) -> caf::response_promise {
      auto& st = self->state;
      std::vector<match::claim> claims;
      auto d = std::make_shared<delivery>();
      d->done = read_one(file, path, claims);
      d->promise = self->make_response_promise();
      auto promise = d->promise;
      if (!st.feed_ready) {
        // Parsing overlaps the feed's load; identifying a person needs it.
        st.parked.insert(st.parked.end(), std::make_move_iterator(claims.begin()),
                         std::make_move_iterator(claims.end()));
        d->promise.deliver(std::move(d->done));
        return promise;
      }
      std::vector<std::vector<match::claim>> routed;
      route(st, claims, d->done, routed);
      cut_batches(st, routed, *d);
      start(self, d);
      return promise;
    },
    [=](feed_ready_atom) -> caf::response_promise {
      auto& st = self->state;
      st.feed_ready = true;
      auto d = std::make_shared<delivery>();
      d->answers_feed_ready = true;
      d->parked = st.parked.size();
      std::vector<std::vector<match::claim>> routed;
      route(st, st.parked, d->done, routed);
      std::vector<match::claim>{}.swap(st.parked);
      cut_batches(st, routed, *d);
      d->promise = self->make_response_promise();
      auto promise = d->promise;
      start(self, d);
      return promise;
    },
  };
}

} // namespace receptor::actors
