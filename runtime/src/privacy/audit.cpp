#include "receptor/privacy/audit.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "receptor/privacy/base64.hpp"
#include "receptor/uke/summary.hpp"

namespace receptor::privacy {

namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  out += uke::json_escape(s); // escapes as Python's json.dumps, so hashes agree
  out += '"';
}

void append_value(std::string& out, const audit_value& v) {
  if (auto* s = std::get_if<std::string>(&v)) {
    append_string(out, *s);
  } else if (auto* n = std::get_if<int64_t>(&v)) {
    out += std::to_string(*n);
  } else {
    auto& list = std::get<std::vector<std::string>>(v);
    out += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i)
        out += ',';
      append_string(out, list[i]);
    }
    out += ']';
  }
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The seq and hash of the last line of the log (0 and "" when empty).
// Only what append_audit itself writes is parsed: "hash":"<hex>" and "seq":N.
error last_entry(int fd, const std::string& path, int64_t& seq, std::string& hash) {
  seq = 0;
  hash.clear();
  auto size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0)
    return {};
  // Entries are short; 64 KiB back always holds the last complete line.
  off_t from = size > 65536 ? size - 65536 : 0;
  std::string tail(static_cast<size_t>(size - from), '\0');
  if (::pread(fd, tail.data(), tail.size(), from) != static_cast<ssize_t>(tail.size()))
    return make_error(ec::io_error, path + ": cannot read the audit log's last entry");
  while (!tail.empty() && tail.back() == '\n')
    tail.pop_back();
  auto line = std::string_view{tail}.substr(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1);
  auto field = [&](std::string_view key) -> std::string_view {
    auto at = line.find(key);
    if (at == std::string_view::npos)
      return {};
    auto rest = line.substr(at + key.size());
    auto end = rest.find_first_of(",}\"");
    return rest.substr(0, end);
  };
  auto h = field("\"hash\":\"");
  auto s = field("\"seq\":");
  if (h.size() != 64 || s.empty())
    return make_error(ec::format_error, path + ": the last line is not an audit entry; not appending to it");
  hash = std::string{h};
  seq = std::stoll(std::string{s});
  return {};
}

} // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  return privacy::hex_encode(digest, len);
}

std::string canonical_json(const audit_fields& fields) {
  std::string out = "{";
  bool first = true;
  for (auto& [key, value] : fields) {
    if (!first)
      out += ',';
    first = false;
    append_string(out, key);
    out += ':';
    append_value(out, value);
  }
  return out + "}";
}

error append_audit(const std::filesystem::path& path, audit_fields fields) {
  auto name = path.string();
  auto fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0)
    return make_error(ec::io_error, name + ": cannot open the audit log: " + std::strerror(errno));
  struct fd_closer {
    int fd;
    ~fd_closer() { ::close(fd); }
  } closer{fd};
  if (::flock(fd, LOCK_EX) != 0)
    return make_error(ec::io_error, name + ": cannot lock the audit log: " + std::strerror(errno));
  int64_t seq = 0;
  std::string prev;
  if (auto err = last_entry(fd, name, seq, prev))
    return err;
  fields.erase("hash");
  fields["seq"] = seq + 1;
  fields["ts"] = utc_now();
  fields["prev_hash"] = prev;
  for (const char* key : {"user", "role", "action", "office"})
    fields.emplace(key, std::string{});
  fields.emplace("subjects", std::vector<std::string>{});
  fields.emplace("rows", int64_t{0});
  fields["hash"] = sha256_hex(canonical_json(fields));
  auto line = canonical_json(fields) + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd) != 0)
    return make_error(ec::io_error, name + ": cannot append to the audit log: " + std::strerror(errno));
  return {};
}

} // namespace receptor::privacy
