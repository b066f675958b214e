#include "receptor/privacy/master_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "receptor/privacy/audit.hpp"
#include "receptor/privacy/base64.hpp"
#include "receptor/privacy/sealed_file.hpp"

namespace receptor::privacy {

namespace fs = std::filesystem;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return s;
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// Creates the default key file with a fresh random key; an existing file
// (another process won the race) is left as it is.
error create_key_file(const fs::path& file) {
  std::error_code err;
  // A folder made here is the owner's alone, like the key in it.
  if (fs::create_directories(file.parent_path(), err))
    fs::permissions(file.parent_path(), fs::perms::owner_all, err);
  if (err)
    return make_error(ec::io_error, file.parent_path().string() + ": cannot create: " + err.message());
  uint8_t key[32];
  if (RAND_bytes(key, sizeof key) != 1)
    return make_error(ec::unexpected, "no random bytes for a master key");
  auto hex = hex_encode(key, sizeof key) + '\n';
  auto fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    if (errno == EEXIST)
      return {};
    return make_error(ec::io_error, file.string() + ": cannot create the master key file: " + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0 && ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size())
            && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(file.c_str());
    return make_error(ec::io_error, file.string() + ": cannot write the master key file");
  }
  static std::atomic<bool> told{false};
  if (!told.exchange(true))
    std::fprintf(stderr,
                 "receptor: no master key configured (RECEPTOR_KEY_FILE, RECEPTOR_MASTER_KEY); created %s (mode 0600). "
                 "Keep it: without it the sealed data cannot be read.\n",
                 file.c_str());
  return {};
}

} // namespace

expected<master_key> master_key::from_hex(std::string_view hex, std::string source) {
  hex = trim(hex);
  if (hex.size() != 64)
    return make_error(ec::invalid_argument,
                      source + ": a master key is 64 hex digits, found " + std::to_string(hex.size()) + " characters");
  master_key k;
  for (size_t i = 0; i < 32; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return make_error(ec::invalid_argument, source + ": a master key is 64 hex digits; character "
                                                + std::to_string(hi < 0 ? 2 * i + 1 : 2 * i + 2) + " is not one");
    k.key_[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  k.key_id_ = sha256_hex({reinterpret_cast<const char*>(k.key_.data()), k.key_.size()}).substr(0, 8);
  k.source_ = std::move(source);
  return k;
}

expected<master_key> master_key::from_file(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    return make_error(ec::io_error, file.string() + ": cannot read the master key file: " + std::strerror(errno));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(ec::invalid_argument, file.string() + ": the master key file has mode " + mode
                                              + "; others may read it. Refused: chmod 600 it.");
  }
  auto text = read_whole_file(file);
  if (!text)
    return text.error_value();
  return from_hex(*text, file.string());
}

fs::path master_key::default_file() {
  if (auto xdg = env("XDG_CONFIG_HOME"))
    return fs::path{xdg} / "receptor" / "master.key";
  auto home = env("HOME");
  return fs::path{home ? home : "."} / ".config" / "receptor" / "master.key";
}

expected<std::optional<master_key>> master_key::find() {
  if (auto file = env(key_file_variable)) {
    auto k = from_file(file);
    if (!k)
      return k.error_value();
    return std::optional<master_key>{std::move(*k)};
  }
  if (auto hex = env(key_variable)) {
    auto k = from_hex(hex, key_variable);
    if (!k)
      return k.error_value();
    return std::optional<master_key>{std::move(*k)};
  }
  auto file = default_file();
  std::error_code err;
  if (!fs::exists(file, err))
    return std::optional<master_key>{};
  auto k = from_file(file);
  if (!k)
    return k.error_value();
  return std::optional<master_key>{std::move(*k)};
}

expected<master_key> master_key::load() {
  auto found = find();
  if (!found)
    return found.error_value();
  if (*found)
    return std::move(**found);
  auto file = default_file();
  if (auto err = create_key_file(file))
    return err;
  return from_file(file);
}

} // namespace receptor::privacy
