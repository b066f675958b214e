#include "receptor/actors/delivery_store.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/actor_system.hpp>
#include <caf/binary_serializer.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "receptor/actors/messages.hpp"
#include "receptor/store/run_results.hpp"

namespace receptor::actors {

namespace fs = std::filesystem;

namespace {

constexpr const char* index_name = "deliveries.tsv";

// Writes `bytes` to `target` through a temporary file and a rename.
error write_atomically(const fs::path& target, const std::string& bytes) {
  auto temp = target;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
      return make_error(ec::io_error, temp.string() + ": cannot write");
  }
  fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write);
  std::error_code ec_rename;
  fs::rename(temp, target, ec_rename);
  if (ec_rename)
    return make_error(ec::io_error, target.string() + ": cannot rename: " + ec_rename.message());
  return {};
}

} // namespace

expected<delivery_store> delivery_store::open(const fs::path& dir) {
  std::error_code err;
  fs::create_directories(dir / "deliveries", err);
  fs::create_directories(dir / "claims", err);
  if (err)
    return make_error(ec::io_error, dir.string() + ": cannot create the store: " + err.message());
  fs::permissions(dir, fs::perms::owner_all, err);
  delivery_store s;
  s.dir_ = dir;
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
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto content = bytes.str();
  // Hash again: a file that changed while being copied is not half-ingested.
  auto after = store::sha256_file(file);
  if (!after || *after != *before)
    return make_error(ec::io_error, file.string() + ": changed while being read; not ingested");
  if (auto err = write_atomically(d.copy, content))
    return err;
  std::ofstream index(dir_ / index_name, std::ios::app);
  index << d.sha256 << '\t' << d.role << '\t' << d.original << '\t' << name << '\n';
  index.flush();
  if (!index)
    return make_error(ec::io_error, (dir_ / index_name).string() + ": cannot append");
  deliveries_.push_back(d);
  return std::make_pair(d, true);
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
  return write_atomically(dir_ / "claims" / (sha256 + ".bin"), std::string(buf.begin(), buf.end()));
}

expected<std::vector<match::claim>> delivery_store::load_claims(caf::actor_system& sys,
                                                                const std::string& sha256) const {
  auto path = dir_ / "claims" / (sha256 + ".bin");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(ec::io_error, path.string() + ": cannot open");
  std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<match::claim> claims;
  caf::binary_deserializer source{sys, buf};
  if (auto err = source(claims))
    return make_error(ec::format_error, path.string() + ": " + sys.render(err));
  return claims;
}

} // namespace receptor::actors
