#include "receptor/actors/delivery_store.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/actor_system.hpp>
#include <caf/binary_serializer.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "receptor/actors/messages.hpp"
#include "receptor/privacy/audit.hpp"
#include "receptor/privacy/sealed_file.hpp"
#include "receptor/store/run_results.hpp"

namespace receptor::actors {

namespace fs = std::filesystem;

namespace {

constexpr const char* index_name = "deliveries.tsv";

} // namespace

expected<delivery_store> delivery_store::open(const fs::path& dir) {
  auto key = privacy::master_key::load();
  if (!key)
    return key.error_value();
  return open(dir, std::move(*key));
}

expected<delivery_store> delivery_store::open(const fs::path& dir, privacy::master_key key) {
  std::error_code err;
  fs::create_directories(dir / "deliveries", err);
  fs::create_directories(dir / "claims", err);
  if (err)
    return make_error(ec::io_error, dir.string() + ": cannot create the store: " + err.message());
  // Owner-only, the folders as much as the files in them.
  for (auto& folder : {dir, dir / "deliveries", dir / "claims"})
    fs::permissions(folder, fs::perms::owner_all, err);
  delivery_store s;
  s.dir_ = dir;
  s.key_ = std::move(key);
  std::ifstream in(dir / index_name);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream fields(line);
    delivery d;
    std::string copy;
    if (!std::getline(fields, d.sha256, '\t') || !std::getline(fields, d.role, '\t')
        || !std::getline(fields, d.original, '\t') || !std::getline(fields, copy))
      return make_error(ec::format_error, (dir / index_name).string() + ":" + std::to_string(number)
                                            + ": expected sha256, role, original path, copy");
    d.copy = dir / "deliveries" / copy;
    s.deliveries_.push_back(std::move(d));
  }
  return s;
}

expected<std::pair<delivery, bool>> delivery_store::add(const fs::path& file, const std::string& role) {
  auto before = store::sha256_file(file);
  if (!before)
    return before.error_value();
  for (auto& d : deliveries_)
    if (d.sha256 == *before)
      return std::make_pair(d, false);
  delivery d;
  d.sha256 = *before;
  d.role = role;
  d.original = file.string();
  auto name = d.sha256.substr(0, 16) + "-" + file.filename().string();
  d.copy = dir_ / "deliveries" / name;
  auto read = privacy::read_whole_file(file);
  if (!read)
    return read.error_value();
  auto& content = *read;
  // Hash again, and the bytes read too: a file that changed while being
  // copied (even changed back) is not half-ingested.
  auto after = store::sha256_file(file);
  if (!after || *after != *before || privacy::sha256_hex(content) != *before)
    return make_error(ec::io_error, file.string() + ": changed while being read; not ingested");
  // The copy is durable before the index names it: a crash in between
  // leaves an unreferenced copy, which the next add of that file replaces.
  if (auto err = privacy::write_sealed_file(d.copy, key_, content))
    return err;
  deliveries_.push_back(d);
  if (auto err = write_index()) {
    deliveries_.pop_back();
    return err;
  }
  return std::make_pair(d, true);
}

error delivery_store::write_index() const {
  std::string text;
  for (auto& d : deliveries_)
    text += d.sha256 + '\t' + d.role + '\t' + d.original + '\t' + d.copy.filename().string() + '\n';
  return privacy::write_file_atomically(dir_ / index_name, text);
}

expected<std::string> delivery_store::read(const delivery& d) const {
  auto bytes = privacy::read_whole_file(d.copy);
  if (!bytes || !privacy::is_sealed_file(*bytes))
    return bytes;
  return privacy::open_file_bytes(key_, *bytes, d.copy.string());
}

error delivery_store::remove(const std::vector<std::string>& sha256s) {
  std::unordered_set<std::string> gone(sha256s.begin(), sha256s.end());
  std::vector<delivery> kept, removed;
  for (auto& d : deliveries_)
    (gone.count(d.sha256) ? removed : kept).push_back(d);
  auto all = std::move(deliveries_);
  deliveries_ = std::move(kept);
  if (auto err = write_index()) {
    deliveries_ = std::move(all);
    return err;
  }
  for (auto& d : removed) {
    std::error_code ignored;
    fs::remove(d.copy, ignored);
    fs::remove(dir_ / "claims" / (d.sha256 + ".bin"), ignored);
  }
  return {};
}

namespace {

uint32_t month_index(uint32_t yyyymm) { return yyyymm / 100 * 12 + yyyymm % 100 - 1; }
uint32_t month_of_index(uint32_t index) { return index / 12 * 100 + index % 12 + 1; }

} // namespace

expected<purge_report> delivery_store::purge(caf::actor_system& sys, uint32_t older_than_months,
                                             const fs::path& audit_log) {
  purge_report report;
  // The care months of each receipt delivery, from its kept claims.
  std::vector<std::pair<const delivery*, std::pair<uint32_t, uint64_t>>> latest_month; // delivery, (max month, claims)
  for (auto& d : deliveries_) {
    if (d.role != "receipts")
      continue;
    if (!has_claims(d.sha256)) {
      ++report.unknown;
      continue;
    }
    auto claims = load_claims(sys, d.sha256);
    if (!claims)
      return claims.error_value();
    uint32_t newest = 0;
    for (auto& c : *claims)
      newest = std::max(newest, c.month);
    report.newest_month = std::max(report.newest_month, newest);
    latest_month.push_back({&d, {newest, claims->size()}});
  }
  auto newest = month_index(report.newest_month);
  if (report.newest_month != 0)
    report.cutoff_month = newest >= older_than_months ? month_of_index(newest - older_than_months) : 0;
  for (auto& [d, months] : latest_month) {
    // A delivery without a care month (no receipt read) is not known to be old.
    if (months.first != 0 && months.first < report.cutoff_month) {
      report.deliveries.push_back(d->sha256);
      report.claims += months.second;
    } else {
      ++report.kept;
    }
  }
  report.kept += report.unknown;
  // Files no index line names: what a crash left between writing a file and
  // naming it (and temporaries). They hold personal data too.
  std::unordered_set<std::string> named;
  for (auto& d : deliveries_) {
    named.insert((dir_ / "deliveries" / d.copy.filename()).string());
    named.insert((dir_ / "claims" / (d.sha256 + ".bin")).string());
  }
  std::vector<fs::path> orphans;
  for (auto* folder : {"deliveries", "claims"}) {
    std::error_code err;
    for (auto& entry : fs::directory_iterator(dir_ / folder, err))
      if (!named.count(entry.path().string()))
        orphans.push_back(entry.path());
  }
  {
    std::error_code err;
    for (auto& entry : fs::directory_iterator(dir_, err))
      if (entry.path().filename().string().find(".tmp-") != std::string::npos)
        orphans.push_back(entry.path());
  }
  report.orphans = orphans.size();
  if (report.deliveries.empty() && orphans.empty())
    return report;
  // The audit entry first: a purge that cannot be recorded does not happen.
  const char* user = std::getenv("USER");
  privacy::audit_fields entry{
    {"user", std::string{user != nullptr ? user : "unknown"}},
    {"role", std::string{"operator"}},
    {"action", std::string{"store.purge"}},
    {"office", std::string{}},
    {"subjects", std::vector<std::string>{}},
    {"rows", static_cast<int64_t>(report.claims)},
    {"store", fs::absolute(dir_).string()},
    {"older_than_months", static_cast<int64_t>(older_than_months)},
    {"cutoff_month", std::to_string(report.cutoff_month)},
    {"deliveries", report.deliveries},
    {"orphans", static_cast<int64_t>(orphans.size())},
  };
  if (auto err = privacy::append_audit(audit_log, std::move(entry)))
    return err;
  for (auto& orphan : orphans) {
    std::error_code ignored;
    fs::remove(orphan, ignored);
  }
  if (report.deliveries.empty())
    return report;
  // latest.h5 holds rows of the purged receipts: it goes first, with the
  // journal, so that no crash leaves a result naming deliveries no longer held.
  for (auto* name : {"latest.covers", "latest.h5"}) {
    std::error_code err;
    fs::remove(dir_ / name, err);
    if (err)
      return make_error(ec::io_error, (dir_ / name).string() + ": cannot remove: " + err.message());
  }
  if (auto err = remove(report.deliveries))
    return err;
  return report;
}

bool delivery_store::has_claims(const std::string& sha256) const {
  std::error_code err;
  return fs::exists(dir_ / "claims" / (sha256 + ".bin"), err);
}

error delivery_store::save_claims(caf::actor_system& sys, const std::string& sha256,
                                  const std::vector<match::claim>& claims) const {
  caf::binary_serializer::container_type buf;
  caf::binary_serializer sink{sys, buf};
  auto copy = claims;
  if (auto err = sink(copy))
    return make_error(ec::unexpected, "cannot serialize claims: " + sys.render(err));
  return privacy::write_sealed_file(dir_ / "claims" / (sha256 + ".bin"), key_,
                                    std::string_view{buf.data(), buf.size()});
}

expected<std::vector<match::claim>> delivery_store::load_claims(caf::actor_system& sys,
                                                                const std::string& sha256) const {
  auto path = dir_ / "claims" / (sha256 + ".bin");
  auto bytes = privacy::read_whole_file(path);
  if (bytes && privacy::is_sealed_file(*bytes))
    bytes = privacy::open_file_bytes(key_, *bytes, path.string());
  if (!bytes)
    return bytes.error_value();
  std::vector<match::claim> claims;
  caf::binary_deserializer source{sys, bytes->data(), bytes->size()};
  if (auto err = source(claims))
    return make_error(ec::format_error, path.string() + ": " + sys.render(err));
  return claims;
}

} // namespace receptor::actors
