#include "receptor/privacy/sealed_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "receptor/privacy/data_key.hpp"

namespace receptor::privacy {

namespace fs = std::filesystem;

namespace {

constexpr size_t key_id_chars = 8;
// magic | version | key id | wrapped length (2)
constexpr size_t fixed_header = sealed_file_magic.size() + 1 + key_id_chars + 2;

error os_error(const fs::path& file, const char* call) {
  return make_error(ec::io_error, file.string() + ": " + call + " failed: " + std::strerror(errno));
}

void sync_folder(const fs::path& file) {
  auto folder = file.parent_path().empty() ? fs::path{"."} : file.parent_path();
  auto fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

} // namespace

bool is_sealed_file(std::string_view bytes) {
  return bytes.substr(0, sealed_file_magic.size()) == sealed_file_magic;
}

expected<std::string> seal_file_bytes(const master_key& master, std::string_view plaintext) {
  auto key = data_key::generate();
  if (!key)
    return key.error_value();
  auto wrapped = key->wrap(master);
  if (!wrapped)
    return wrapped.error_value();
  std::string header{sealed_file_magic};
  header += static_cast<char>(sealed_file_version);
  header += master.key_id();
  header += static_cast<char>(wrapped->size() >> 8 & 0xff);
  header += static_cast<char>(wrapped->size() & 0xff);
  header += *wrapped;
  auto body = key->seal(plaintext, header);
  if (!body)
    return body.error_value();
  return header + *body;
}

expected<std::string> open_file_bytes(const master_key& master, std::string_view sealed, std::string_view where) {
  std::string name{where};
  if (!is_sealed_file(sealed))
    return make_error(ec::format_error, name + ": not a sealed file (no RCPTSEAL header)");
  if (sealed.size() < fixed_header)
    return make_error(ec::format_error, name + ": sealed file truncated in its header");
  auto version = static_cast<uint8_t>(sealed[sealed_file_magic.size()]);
  if (version != sealed_file_version)
    return make_error(ec::format_error, name + ": sealed file version " + std::to_string(version) + ", expected "
                                          + std::to_string(sealed_file_version));
  auto key_id = sealed.substr(sealed_file_magic.size() + 1, key_id_chars);
  auto at = sealed_file_magic.size() + 1 + key_id_chars;
  size_t wrapped_size = static_cast<uint8_t>(sealed[at]) << 8 | static_cast<uint8_t>(sealed[at + 1]);
  if (sealed.size() < fixed_header + wrapped_size)
    return make_error(ec::format_error, name + ": sealed file truncated in its header");
  auto header = sealed.substr(0, fixed_header + wrapped_size);
  auto key = data_key::unwrap(master, sealed.substr(fixed_header, wrapped_size), key_id, name);
  if (!key)
    return key.error_value();
  return key->open(sealed.substr(header.size()), name, header);
}

namespace {

// A private temporary beside `target` (0600 whatever the umask or an
// inherited ACL default), open for writing; -1 with errno on failure.
int open_private_temp(const fs::path& target, fs::path& temp) {
  temp = target;
  temp += ".tmp-" + std::to_string(::getpid());
  ::unlink(temp.c_str());
  auto fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd >= 0 && ::fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
    auto saved = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    errno = saved;
    return -1;
  }
  return fd;
}

bool write_all(int fd, const char* data, size_t size) {
  for (size_t done = 0; done < size;) {
    auto n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Makes the temporary durable and renames it over `target`; on any failure
// the temporary goes and `target` is untouched.
error commit_temp(int fd, bool ok, const fs::path& temp, const fs::path& target, const char* what) {
  ok = ok && ::fsync(fd) == 0;
  auto saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    errno = saved;
    return os_error(temp, what);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    auto err = os_error(target, "rename");
    ::unlink(temp.c_str());
    return err;
  }
  sync_folder(target);
  return {};
}

} // namespace

error write_file_atomically(const fs::path& target, std::string_view bytes) {
  fs::path temp;
  auto fd = open_private_temp(target, temp);
  if (fd < 0)
    return os_error(temp, "open");
  return commit_temp(fd, write_all(fd, bytes.data(), bytes.size()), temp, target, "write");
}

error copy_file_atomically(const fs::path& from, const fs::path& target) {
  auto in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return os_error(from, "open");
  fs::path temp;
  auto out = open_private_temp(target, temp);
  if (out < 0) {
    auto err = os_error(temp, "open");
    ::close(in);
    return err;
  }
  bool ok = true;
  std::string buf(1 << 20, '\0');
  while (ok) {
    auto n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    ok = write_all(out, buf.data(), static_cast<size_t>(n));
  }
  ::close(in);
  return commit_temp(out, ok, temp, target, "copy");
}

bool file_is_sealed(const fs::path& path) {
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char head[8];
  auto n = ::read(fd, head, sizeof head);
  ::close(fd);
  return n == static_cast<ssize_t>(sizeof head) && is_sealed_file({head, sizeof head});
}

uint64_t plaintext_size(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return 0;
  auto size = static_cast<uint64_t>(st.st_size);
  if (!file_is_sealed(path))
    return size;
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  unsigned char head[fixed_header];
  auto n = fd < 0 ? -1 : ::read(fd, head, sizeof head);
  if (fd >= 0)
    ::close(fd);
  if (n != static_cast<ssize_t>(fixed_header))
    return 0;
  uint64_t wrapped = static_cast<uint64_t>(head[fixed_header - 2]) << 8 | head[fixed_header - 1];
  auto overhead = fixed_header + wrapped + nonce_bytes + tag_bytes;
  return size >= overhead ? size - overhead : 0;
}

error write_sealed_file(const fs::path& target, const master_key& master, std::string_view plaintext) {
  auto sealed = seal_file_bytes(master, plaintext);
  if (!sealed)
    return sealed.error_value();
  return write_file_atomically(target, *sealed);
}

expected<std::string> read_whole_file(const fs::path& file) {
  auto fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return os_error(file, "open");
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0)
    out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = os_error(file, "read");
      ::close(fd);
      return err;
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

expected<std::string> read_sealed_file(const fs::path& file, const master_key& master) {
  auto bytes = read_whole_file(file);
  if (!bytes)
    return bytes.error_value();
  return open_file_bytes(master, *bytes, file.string());
}

} // namespace receptor::privacy
