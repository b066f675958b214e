#include "receptor/store/result_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>
#include <filesystem>
#include <type_traits>
#include <utility>
#include <vector>

#include <hdf5.h>

#include "chunk_deflate.hpp"

static_assert(std::is_same_v<hid_t, int64_t>, "result_file_writer keeps its hid_t in an int64_t");

namespace receptor::store {

namespace {

// anndata's on-disk names (docs/fileformat-prose.md, dataframe spec 0.2.0).
constexpr const char* encoding_type = "encoding-type";
constexpr const char* encoding_version = "encoding-version";
constexpr const char* index_name = "_index";

// Rows per chunk (engine-notes §3c: 16-64 k): 512 KiB of a 64-bit column,
// which fits HDF5's default 1 MiB chunk cache, and few chunk-index entries.
constexpr hsize_t max_chunk_rows = 65536;
// Deflate (after shuffle for multi-byte numbers), readable by h5py, PyTables
// and pandas (engine-notes §3c). Level 1 for every column: on the Osaka
// month's result it stores 1 % more than level 4 (38.4 MB against 38.1 MB)
// for much less CPU; a variable-length column's dataset holds only 16-byte
// heap references, which level 1 stores as small as level 4.
constexpr unsigned deflate_level = 1;
// Threads that deflate a column's chunks at once.
constexpr unsigned max_deflate_threads = 4;
// Bytes of padded chunk copies (text, last chunks) compressed per round.
constexpr size_t copied_bytes_per_round = 32u << 20;
// Text columns whose longest value fits in this many bytes are stored as
// fixed-width UTF-8 (NUL-padded): writing one costs a memcpy per value, where
// a variable-length string costs a global-heap insert that HDF5 never
// compresses (3 M of them were most of a 300 k-receipt batch's write stage).
// Identifiers, codes and statuses are short and repetitive, so the padding
// deflates away; longer free text (details, quarantined rows) stays
// variable-length. h5py's `.asstr()` reads both alike.
constexpr size_t max_fixed_text_bytes = 128;

/// Owns an HDF5 identifier and closes it with the matching H5?close.
class handle {
public:
  using closer = herr_t (*)(hid_t);

  handle() = default;
  handle(hid_t id, closer close) noexcept : id_(id), close_(close) {}
  handle(handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
  handle& operator=(handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, -1);
      close_ = other.close_;
    }
    return *this;
  }
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  ~handle() { reset(); }

  hid_t get() const noexcept { return id_; }
  explicit operator bool() const noexcept { return id_ >= 0; }

  void reset() noexcept {
    if (id_ >= 0)
      close_(id_);
    id_ = -1;
  }

private:
  hid_t id_ = -1;
  closer close_ = nullptr;
};

/// Silences HDF5's printing of error stacks on this thread while alive (the
/// stack becomes part of the returned error instead), then restores the
/// previous handler: h5py or other code in the process may rely on theirs.
class quiet_errors {
public:
  quiet_errors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~quiet_errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  quiet_errors(const quiet_errors&) = delete;
  quiet_errors& operator=(const quiet_errors&) = delete;

private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Takes the messages off this thread's HDF5 error stack: the outermost (the
// API call) and the innermost (the cause, e.g. errno text); the frames
// between them repeat the same failure.
std::string take_hdf5_messages() {
  std::vector<std::string> frames;
  auto collect = [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
    if (e->desc == nullptr || *e->desc == '\0')
      return 0;
    std::string frame = e->func_name != nullptr ? e->func_name : "?";
    frame.append(": ").append(e->desc);
    // Some descriptions embed ctime() output, newline included.
    std::replace(frame.begin(), frame.end(), '\n', ' ');
    static_cast<std::vector<std::string>*>(data)->push_back(std::move(frame));
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &frames);
  H5Eclear2(H5E_DEFAULT);
  if (frames.empty())
    return {};
  if (frames.size() == 1)
    return frames.front();
  return frames.front() + " ... " + frames.back();
}

/// The file and object an operation works on, for error messages.
struct where {
  const std::string& file;
  std::string object;
};

// Error for a failed HDF5 call: file, object, call, then HDF5's own messages.
error failure(const where& at, const char* call, std::string_view attribute = {}) {
  auto msg = at.file + ": " + call + " failed on '" + at.object + "'";
  if (!attribute.empty())
    msg.append(" attribute '").append(attribute).append("'");
  auto detail = take_hdf5_messages();
  if (!detail.empty())
    msg += ": " + detail;
  return make_error(ec::io_error, std::move(msg));
}

error format_failure(const where& at, const std::string& reason) {
  return make_error(ec::format_error, at.file + ": '" + at.object + "': " + reason);
}

// Error for a failed system call.
error os_failure(const std::string& file, const char* call, int err) {
  return make_error(ec::io_error, file + ": " + call + " failed: " + std::strerror(err));
}

std::string child(const std::string& parent, std::string_view name) {
  auto out = parent == "/" ? std::string{"/"} : parent + "/";
  out.append(name);
  return out;
}

/// The HDF5 types of a number: little-endian in the file (as h5py writes on
/// x86), native in memory.
struct number_types {
  hid_t file;
  hid_t memory;
};

template <class T>
number_types h5_types() {
  if constexpr (std::is_same_v<T, int8_t>)
    return {H5T_STD_I8LE, H5T_NATIVE_INT8};
  else if constexpr (std::is_same_v<T, int16_t>)
    return {H5T_STD_I16LE, H5T_NATIVE_INT16};
  else if constexpr (std::is_same_v<T, int32_t>)
    return {H5T_STD_I32LE, H5T_NATIVE_INT32};
  else if constexpr (std::is_same_v<T, int64_t>)
    return {H5T_STD_I64LE, H5T_NATIVE_INT64};
  else if constexpr (std::is_same_v<T, uint8_t>)
    return {H5T_STD_U8LE, H5T_NATIVE_UINT8};
  else if constexpr (std::is_same_v<T, uint16_t>)
    return {H5T_STD_U16LE, H5T_NATIVE_UINT16};
  else if constexpr (std::is_same_v<T, uint32_t>)
    return {H5T_STD_U32LE, H5T_NATIVE_UINT32};
  else if constexpr (std::is_same_v<T, uint64_t>)
    return {H5T_STD_U64LE, H5T_NATIVE_UINT64};
  else {
    static_assert(std::is_same_v<T, double>, "no HDF5 type for this column type");
    return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
  }
}

template <class T>
struct is_nullable : std::false_type {};
template <class T>
struct is_nullable<nullable_array<T>> : std::true_type {};

/// The derived HDF5 types and property lists every operation needs.
struct h5_context {
  /// Variable-length UTF-8 string: h5py's `string_dtype('utf-8')`, anndata's
  /// `string-array`.
  handle text;
  /// enum {FALSE = 0, TRUE = 1} over int8: what h5py writes for numpy bool
  /// and reads back as `bool`.
  handle boolean;
  /// Link creation: UTF-8 names.
  handle link_create;
};

expected<h5_context> make_context(const std::string& file) {
  where at{file, "/"};
  h5_context ctx;
  ctx.text = handle{H5Tcopy(H5T_C_S1), H5Tclose};
  if (!ctx.text || H5Tset_size(ctx.text.get(), H5T_VARIABLE) < 0
      || H5Tset_cset(ctx.text.get(), H5T_CSET_UTF8) < 0)
    return failure(at, "H5Tcopy/H5Tset_cset (string type)");
  ctx.boolean = handle{H5Tenum_create(H5T_NATIVE_INT8), H5Tclose};
  int8_t no = 0;
  int8_t yes = 1;
  if (!ctx.boolean || H5Tenum_insert(ctx.boolean.get(), "FALSE", &no) < 0
      || H5Tenum_insert(ctx.boolean.get(), "TRUE", &yes) < 0)
    return failure(at, "H5Tenum_create (bool type)");
  ctx.link_create = handle{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  if (!ctx.link_create || H5Pset_char_encoding(ctx.link_create.get(), H5T_CSET_UTF8) < 0)
    return failure(at, "H5Pset_char_encoding");
  return ctx;
}

// File access: strong close (closing the file closes everything in it), and
// file locking that is skipped, not fatal, where the file system lacks it.
handle make_file_access() {
  handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
  if (fapl && (H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0
               || H5Pset_file_locking(fapl.get(), true, true) < 0))
    fapl.reset();
  return fapl;
}

// ---- writing --------------------------------------------------------------

error write_text_attribute(const h5_context& ctx, hid_t obj, const where& at, const char* name,
                           std::string_view value) {
  if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
    return failure(at, "H5Adelete", name);
  handle space{H5Screate(H5S_SCALAR), H5Sclose};
  if (!space)
    return failure(at, "H5Screate", name);
  handle attr{H5Acreate2(obj, name, ctx.text.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  if (!attr)
    return failure(at, "H5Acreate2", name);
  std::string copy{value}; // NUL-terminated
  const char* p = copy.c_str();
  if (H5Awrite(attr.get(), ctx.text.get(), &p) < 0)
    return failure(at, "H5Awrite", name);
  return {};
}

error write_text_list_attribute(const h5_context& ctx, hid_t obj, const where& at, const char* name,
                                const std::vector<const char*>& values) {
  hsize_t n = values.size();
  handle space{H5Screate_simple(1, &n, nullptr), H5Sclose};
  if (!space)
    return failure(at, "H5Screate_simple", name);
  handle attr{H5Acreate2(obj, name, ctx.text.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  if (!attr)
    return failure(at, "H5Acreate2", name);
  if (n > 0 && H5Awrite(attr.get(), ctx.text.get(), values.data()) < 0)
    return failure(at, "H5Awrite", name);
  return {};
}

error write_int_attribute(hid_t obj, const where& at, const char* name, int64_t value) {
  if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
    return failure(at, "H5Adelete", name);
  handle space{H5Screate(H5S_SCALAR), H5Sclose};
  if (!space)
    return failure(at, "H5Screate", name);
  handle attr{H5Acreate2(obj, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  if (!attr)
    return failure(at, "H5Acreate2", name);
  if (H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) < 0)
    return failure(at, "H5Awrite", name);
  return {};
}

error write_encoding(const h5_context& ctx, hid_t obj, const where& at, const char* type, const char* version) {
  if (auto err = write_text_attribute(ctx, obj, at, encoding_type, type))
    return err;
  return write_text_attribute(ctx, obj, at, encoding_version, version);
}

/// How one column maps to an HDF5 dataset.
struct dataset_plan {
  hid_t file_type;
  hid_t memory_type;
  /// Byte shuffle before deflate: helps multi-byte numbers, useless otherwise.
  bool shuffle;
  /// anndata encoding-type: `array` or `string-array`.
  const char* encoding;
  /// fill() points into the column itself, valid after later calls (numbers,
  /// booleans); text is padded into a buffer each call reuses.
  bool stable_fill = false;
};

/// Writes the columns of one table. Every dataset of the table gets the
/// same chunk size (anndata: columns SHOULD share chunks).
class table_writer {
public:
  table_writer(const h5_context& ctx, const std::string& file, size_t rows)
    : ctx_(ctx), file_(file), rows_(rows), chunk_(std::min<hsize_t>(rows, max_chunk_rows)) {}

  error write_index(hid_t group, const std::string& group_path) {
    // anndata needs an index dataset; row numbers cost almost nothing after
    // shuffle + deflate.
    std::vector<int64_t> buffer;
    auto fill = [&](hsize_t begin, hsize_t count) {
      buffer.resize(count);
      for (hsize_t i = 0; i < count; ++i)
        buffer[i] = static_cast<int64_t>(begin + i);
      return static_cast<const void*>(buffer.data());
    };
    return write_dataset(group, where{file_, child(group_path, index_name)}, index_name,
                         {H5T_STD_I64LE, H5T_NATIVE_INT64, true, "array"}, fill);
  }

  error write_column(hid_t group, const std::string& group_path, const column& col) {
    where at{file_, child(group_path, col.name)};
    return std::visit(
      [&](const auto& xs) -> error {
        using data_type = std::decay_t<decltype(xs)>;
        if constexpr (std::is_same_v<data_type, string_array>)
          return write_strings(group, at, col.name.c_str(), xs);
        else if constexpr (std::is_same_v<data_type, bool_array>)
          return write_bools(group, at, col.name.c_str(), xs);
        else if constexpr (is_nullable<data_type>::value)
          return write_nullable(group, at, col.name.c_str(), xs);
        else
          return write_numbers(group, at, col.name.c_str(), xs.data());
      },
      col.data);
  }

private:
  template <class T>
  error write_numbers(hid_t parent, const where& at, const char* name, const T* data) {
    auto fill = [data](hsize_t begin, hsize_t) { return static_cast<const void*>(data + begin); };
    auto types = h5_types<T>();
    dataset_plan plan{types.file, types.memory, sizeof(T) > 1, "array", true};
    return write_dataset(parent, at, name, plan, fill);
  }

  error write_bools(hid_t parent, const where& at, const char* name, const bool_array& xs) {
    auto fill = [&xs](hsize_t begin, hsize_t) { return static_cast<const void*>(xs.data() + begin); };
    dataset_plan plan{ctx_.boolean.get(), ctx_.boolean.get(), false, "array", true};
    return write_dataset(parent, at, name, plan, fill);
  }

  error write_strings(hid_t parent, const where& at, const char* name, const string_array& xs) {
    size_t width = 1; // HDF5 has no 0-byte string type
    for (size_t i = 0; i < xs.size(); ++i)
      width = std::max(width, xs[i].size());
    if (width <= max_fixed_text_bytes) {
      handle type{H5Tcopy(H5T_C_S1), H5Tclose};
      if (!type || H5Tset_size(type.get(), width) < 0 || H5Tset_strpad(type.get(), H5T_STR_NULLPAD) < 0
          || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
        return failure(at, "H5Tcopy/H5Tset_size (fixed-width text)");
      std::vector<char> buffer;
      auto fill = [&](hsize_t begin, hsize_t count) {
        buffer.assign(count * width, '\0');
        for (hsize_t i = 0; i < count; ++i) {
          auto text = xs[begin + i];
          std::memcpy(buffer.data() + i * width, text.data(), text.size());
        }
        return static_cast<const void*>(buffer.data());
      };
      dataset_plan plan{type.get(), type.get(), false, "string-array"};
      return write_dataset(parent, at, name, plan, fill);
    }
    // HDF5 takes an array of C strings; they point into the packed buffer.
    std::vector<const char*> pointers;
    auto fill = [&](hsize_t begin, hsize_t count) {
      pointers.resize(count);
      for (hsize_t i = 0; i < count; ++i)
        pointers[i] = xs.c_str(begin + i);
      return static_cast<const void*>(pointers.data());
    };
    dataset_plan plan{ctx_.text.get(), ctx_.text.get(), false, "string-array"};
    return write_dataset(parent, at, name, plan, fill);
  }

  template <class T>
  error write_nullable(hid_t parent, const where& at, const char* name, const nullable_array<T>& xs) {
    handle group{H5Gcreate2(parent, name, ctx_.link_create.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
    if (!group)
      return failure(at, "H5Gcreate2");
    if (auto err = write_encoding(ctx_, group.get(), at, "nullable-integer", "0.1.0"))
      return err;
    if (auto err = write_numbers(group.get(), where{file_, at.object + "/values"}, "values", xs.values().data()))
      return err;
    return write_bools(group.get(), where{file_, at.object + "/mask"}, "mask", xs.mask());
  }

  // Creates the dataset and writes it one chunk at a time, so that strings
  // need pointers for one chunk only; `fill(begin, count)` returns the
  // memory buffer of rows [begin, begin + count).
  template <class Fill>
  error write_dataset(hid_t parent, const where& at, const char* name, const dataset_plan& plan, Fill&& fill) {
    hsize_t rows = rows_;
    handle space{H5Screate_simple(1, &rows, nullptr), H5Sclose};
    if (!space)
      return failure(at, "H5Screate_simple");
    handle dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
    if (!dcpl)
      return failure(at, "H5Pcreate");
    // A chunk cannot be empty: a 0-row column stays contiguous and unfiltered.
    if (rows > 0) {
      if (H5Pset_chunk(dcpl.get(), 1, &chunk_) < 0)
        return failure(at, "H5Pset_chunk");
      if (plan.shuffle && H5Pset_shuffle(dcpl.get()) < 0)
        return failure(at, "H5Pset_shuffle");
      if (H5Pset_deflate(dcpl.get(), deflate_level) < 0)
        return failure(at, "H5Pset_deflate");
    }
    handle dataset{H5Dcreate2(parent, name, plan.file_type, space.get(), ctx_.link_create.get(), dcpl.get(),
                              H5P_DEFAULT),
                   H5Dclose};
    if (!dataset)
      return failure(at, "H5Dcreate2");
    if (auto err = write_encoding(ctx_, dataset.get(), at, plan.encoding, "0.2.0"))
      return err;
    if (rows > 0 && H5Tis_variable_str(plan.memory_type) <= 0)
      return write_chunks_directly(dataset.get(), at, plan, fill);
    handle memory;
    for (hsize_t begin = 0; begin < rows; begin += chunk_) {
      auto count = std::min(chunk_, rows - begin);
      if (!memory || count != chunk_)
        memory = handle{H5Screate_simple(1, &count, nullptr), H5Sclose};
      if (!memory)
        return failure(at, "H5Screate_simple");
      if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &begin, nullptr, &count, nullptr) < 0)
        return failure(at, "H5Sselect_hyperslab");
      if (H5Dwrite(dataset.get(), plan.memory_type, memory.get(), space.get(), H5P_DEFAULT, fill(begin, count)) < 0)
        return failure(at, "H5Dwrite");
    }
    return {};
  }

  // Fixed-size elements: the chunks are shuffled and deflated here, several
  // at a time on the machine's cores (deflate was most of the write stage),
  // and stored with H5Dwrite_chunk exactly as HDF5's own filters would have
  // stored them. The memory type's bytes are the file type's (little-endian
  // integers and IEEE doubles on this platform, checked below).
  template <class Fill>
  error write_chunks_directly(hid_t dataset, const where& at, const dataset_plan& plan, Fill&& fill) {
    auto element = H5Tget_size(plan.memory_type);
    if (element == 0 || element != H5Tget_size(plan.file_type)
        || (element > 1 && H5Tget_class(plan.memory_type) != H5T_STRING
            && H5Tget_order(plan.memory_type) != H5T_ORDER_LE))
      return failure(at, "direct chunk write: memory and file types differ");
    auto threads = std::clamp<unsigned>(std::thread::hardware_concurrency(), 1, max_deflate_threads);
    auto chunks = static_cast<size_t>((rows_ + chunk_ - 1) / chunk_);
    const size_t chunk_bytes = chunk_ * element;
    // Whole chunks of numbers are compressed straight from the column, all
    // at once. Text is padded into copies, and the last chunk of any column
    // is zero-filled to full size: rounds of those bound the memory, since a
    // national month's column is dozens of chunks.
    size_t round = plan.stable_fill ? chunks : std::max<size_t>(threads, copied_bytes_per_round / chunk_bytes);
    std::vector<std::vector<unsigned char>> raw(std::min(round, chunks)), packed(raw.size());
    std::vector<const unsigned char*> source(raw.size());
    for (size_t first = 0; first < chunks; first += round) {
      auto n = std::min(round, chunks - first);
      for (size_t k = 0; k < n; ++k) {
        auto begin = static_cast<hsize_t>(first + k) * chunk_;
        auto count = std::min(chunk_, rows_ - begin);
        auto* rows = static_cast<const unsigned char*>(fill(begin, count));
        if (plan.stable_fill && count == chunk_) {
          source[k] = rows;
          continue;
        }
        // Every stored chunk is whole; the rows past the end are zero.
        raw[k].assign(chunk_bytes, 0);
        std::memcpy(raw[k].data(), rows, count * element);
        source[k] = raw[k].data();
      }
      run_parallel(n, threads, [&](size_t k) {
        packed[k] = deflate_chunk(source[k], chunk_bytes, element, plan.shuffle, static_cast<int>(deflate_level));
      });
      for (size_t k = 0; k < n; ++k) {
        hsize_t offset = static_cast<hsize_t>(first + k) * chunk_;
        if (H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, &offset, packed[k].size(), packed[k].data()) < 0)
          return failure(at, "H5Dwrite_chunk");
      }
    }
    return {};
  }

  const h5_context& ctx_;
  const std::string& file_;
  hsize_t rows_;
  hsize_t chunk_;
};

std::string utc_now() {
  auto t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// Makes a completed rename durable. Failure is ignored: some file systems
// cannot fsync a directory, and the file itself is already complete.
void sync_directory_of(const std::string& path) {
  auto dir = std::filesystem::path{path}.parent_path();
  auto fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  ::fsync(fd);
  ::close(fd);
}

// ---- reading --------------------------------------------------------------

/// An open attribute with its type and dataspace.
struct open_attribute {
  handle attr;
  handle type;
  handle space;
};

expected<open_attribute> open_attr(hid_t obj, const where& at, const char* name) {
  auto exists = H5Aexists(obj, name);
  if (exists < 0)
    return failure(at, "H5Aexists", name);
  if (exists == 0)
    return format_failure(at, std::string{"attribute '"} + name + "' is missing");
  open_attribute out;
  out.attr = handle{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
  if (!out.attr)
    return failure(at, "H5Aopen", name);
  out.type = handle{H5Aget_type(out.attr.get()), H5Tclose};
  out.space = handle{H5Aget_space(out.attr.get()), H5Sclose};
  if (!out.type || !out.space)
    return failure(at, "H5Aget_type", name);
  return out;
}

bool is_text_type(hid_t type) {
  return H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0;
}

expected<std::string> read_text_attribute(const h5_context& ctx, hid_t obj, const where& at, const char* name) {
  auto a = open_attr(obj, at, name);
  if (!a)
    return a.error_value();
  if (!is_text_type(a->type.get()) || H5Sget_simple_extent_type(a->space.get()) != H5S_SCALAR)
    return format_failure(at, std::string{"attribute '"} + name + "' is not a variable-length string");
  char* p = nullptr;
  if (H5Aread(a->attr.get(), ctx.text.get(), &p) < 0)
    return failure(at, "H5Aread", name);
  std::string out = p != nullptr ? p : "";
  H5free_memory(p);
  return out;
}

expected<int64_t> read_int_attribute(hid_t obj, const where& at, const char* name) {
  auto a = open_attr(obj, at, name);
  if (!a)
    return a.error_value();
  if (H5Tget_class(a->type.get()) != H5T_INTEGER || H5Sget_simple_extent_type(a->space.get()) != H5S_SCALAR)
    return format_failure(at, std::string{"attribute '"} + name + "' is not an integer");
  int64_t value = 0;
  if (H5Aread(a->attr.get(), H5T_NATIVE_INT64, &value) < 0)
    return failure(at, "H5Aread", name);
  return value;
}

expected<std::vector<std::string>> read_text_list_attribute(const h5_context& ctx, hid_t obj, const where& at,
                                                            const char* name) {
  auto a = open_attr(obj, at, name);
  if (!a)
    return a.error_value();
  if (!is_text_type(a->type.get()) || H5Sget_simple_extent_ndims(a->space.get()) != 1)
    return format_failure(at, std::string{"attribute '"} + name + "' is not a list of variable-length strings");
  hsize_t n = 0;
  H5Sget_simple_extent_dims(a->space.get(), &n, nullptr);
  std::vector<char*> pointers(n, nullptr);
  if (n > 0 && H5Aread(a->attr.get(), ctx.text.get(), pointers.data()) < 0)
    return failure(at, "H5Aread", name);
  std::vector<std::string> out;
  out.reserve(n);
  for (auto* p : pointers) {
    out.emplace_back(p != nullptr ? p : "");
    H5free_memory(p);
  }
  return out;
}

/// An open 1-D dataset and its row count.
struct open_dataset {
  handle dataset;
  handle type;
  hsize_t rows = 0;
};

expected<open_dataset> open_1d(hid_t parent, const where& at, const char* name) {
  open_dataset out;
  out.dataset = handle{H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose};
  if (!out.dataset)
    return failure(at, "H5Dopen2");
  out.type = handle{H5Dget_type(out.dataset.get()), H5Tclose};
  handle space{H5Dget_space(out.dataset.get()), H5Sclose};
  if (!out.type || !space)
    return failure(at, "H5Dget_type");
  if (H5Sget_simple_extent_ndims(space.get()) != 1)
    return format_failure(at, "not a 1-D dataset");
  H5Sget_simple_extent_dims(space.get(), &out.rows, nullptr);
  return out;
}

template <class T>
expected<std::vector<T>> read_numbers(const open_dataset& ds, const where& at) {
  std::vector<T> out(ds.rows);
  if (ds.rows > 0
      && H5Dread(ds.dataset.get(), h5_types<T>().memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    return failure(at, "H5Dread");
  return out;
}

expected<bool_array> read_bools(const h5_context& ctx, const open_dataset& ds, const where& at) {
  if (H5Tget_class(ds.type.get()) != H5T_ENUM)
    return format_failure(at, "not a bool dataset");
  std::vector<uint8_t> bytes(ds.rows);
  // The enum conversion maps members by name, so a foreign enum fails here.
  if (ds.rows > 0 && H5Dread(ds.dataset.get(), ctx.boolean.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
    return failure(at, "H5Dread");
  bool_array out;
  out.reserve(bytes.size());
  for (auto b : bytes)
    out.push_back(b != 0);
  return out;
}

expected<string_array> read_fixed_strings(const open_dataset& ds, const where& at) {
  auto width = H5Tget_size(ds.type.get());
  if (width == 0)
    return format_failure(at, "a fixed-width string dataset of width 0");
  // Read as the file stores it (same width and padding), then cut at the first NUL.
  handle memory_type{H5Tcopy(ds.type.get()), H5Tclose};
  handle space{H5Dget_space(ds.dataset.get()), H5Sclose};
  if (!memory_type || !space)
    return failure(at, "H5Tcopy/H5Dget_space");
  string_array out;
  std::vector<char> buffer;
  for (hsize_t begin = 0; begin < ds.rows; begin += max_chunk_rows) {
    auto count = std::min(max_chunk_rows, ds.rows - begin);
    buffer.assign(count * width, '\0');
    handle memory{H5Screate_simple(1, &count, nullptr), H5Sclose};
    if (!memory || H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &begin, nullptr, &count, nullptr) < 0)
      return failure(at, "H5Sselect_hyperslab");
    if (H5Dread(ds.dataset.get(), memory_type.get(), memory.get(), space.get(), H5P_DEFAULT, buffer.data()) < 0)
      return failure(at, "H5Dread");
    for (hsize_t i = 0; i < count; ++i) {
      const char* p = buffer.data() + i * width;
      out.push_back(std::string_view{p, strnlen(p, width)});
    }
  }
  return out;
}

expected<string_array> read_strings(const h5_context& ctx, const open_dataset& ds, const where& at) {
  if (H5Tget_class(ds.type.get()) == H5T_STRING && H5Tis_variable_str(ds.type.get()) == 0)
    return read_fixed_strings(ds, at);
  if (!is_text_type(ds.type.get()))
    return format_failure(at, "not a string dataset");
  handle space{H5Dget_space(ds.dataset.get()), H5Sclose};
  if (!space)
    return failure(at, "H5Dget_space");
  string_array out;
  std::vector<char*> pointers;
  // Chunk by chunk: HDF5 allocates every string it reads.
  for (hsize_t begin = 0; begin < ds.rows; begin += max_chunk_rows) {
    auto count = std::min(max_chunk_rows, ds.rows - begin);
    pointers.assign(count, nullptr);
    handle memory{H5Screate_simple(1, &count, nullptr), H5Sclose};
    if (!memory || H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &begin, nullptr, &count, nullptr) < 0)
      return failure(at, "H5Sselect_hyperslab");
    auto status = H5Dread(ds.dataset.get(), ctx.text.get(), memory.get(), space.get(), H5P_DEFAULT, pointers.data());
    for (auto* p : pointers) {
      if (status >= 0)
        out.push_back(p != nullptr ? std::string_view{p} : std::string_view{});
      H5free_memory(p);
    }
    if (status < 0)
      return failure(at, "H5Dread");
  }
  return out;
}

// Calls f(T{}) with T the integer type matching the HDF5 integer `type`.
template <class F>
expected<column_data> with_integer_type(hid_t type, const where& at, F&& f) {
  if (H5Tget_class(type) != H5T_INTEGER)
    return format_failure(at, "not an integer dataset");
  auto is_signed = H5Tget_sign(type) == H5T_SGN_2;
  switch (H5Tget_size(type)) {
    case 1: return is_signed ? f(int8_t{}) : f(uint8_t{});
    case 2: return is_signed ? f(int16_t{}) : f(uint16_t{});
    case 4: return is_signed ? f(int32_t{}) : f(uint32_t{});
    case 8: return is_signed ? f(int64_t{}) : f(uint64_t{});
    default: return format_failure(at, "unsupported integer size");
  }
}

expected<column_data> read_array(const h5_context& ctx, hid_t parent, const where& at, const char* name) {
  auto ds = open_1d(parent, at, name);
  if (!ds)
    return ds.error_value();
  switch (H5Tget_class(ds->type.get())) {
    case H5T_FLOAT: {
      if (H5Tget_size(ds->type.get()) != sizeof(double))
        return format_failure(at, "only 64-bit floats are supported");
      auto xs = read_numbers<double>(*ds, at);
      if (!xs)
        return xs.error_value();
      return column_data{std::move(*xs)};
    }
    case H5T_ENUM: {
      auto xs = read_bools(ctx, *ds, at);
      if (!xs)
        return xs.error_value();
      return column_data{std::move(*xs)};
    }
    default:
      return with_integer_type(ds->type.get(), at, [&](auto tag) -> expected<column_data> {
        auto xs = read_numbers<decltype(tag)>(*ds, at);
        if (!xs)
          return xs.error_value();
        return column_data{std::move(*xs)};
      });
  }
}

expected<column_data> read_nullable(const h5_context& ctx, hid_t parent, const where& at, const char* name) {
  handle group{H5Gopen2(parent, name, H5P_DEFAULT), H5Gclose};
  if (!group)
    return failure(at, "H5Gopen2");
  where values_at{at.file, at.object + "/values"};
  where mask_at{at.file, at.object + "/mask"};
  auto values = open_1d(group.get(), values_at, "values");
  if (!values)
    return values.error_value();
  auto mask_ds = open_1d(group.get(), mask_at, "mask");
  if (!mask_ds)
    return mask_ds.error_value();
  auto mask = read_bools(ctx, *mask_ds, mask_at);
  if (!mask)
    return mask.error_value();
  if (mask->size() != values->rows)
    return format_failure(at, "values and mask differ in length");
  return with_integer_type(values->type.get(), values_at, [&](auto tag) -> expected<column_data> {
    using T = decltype(tag);
    auto xs = read_numbers<T>(*values, values_at);
    if (!xs)
      return xs.error_value();
    nullable_array<T> out;
    out.reserve(xs->size());
    for (size_t i = 0; i < xs->size(); ++i)
      out.push_back((*mask)[i] ? std::nullopt : std::optional<T>{(*xs)[i]});
    return column_data{std::move(out)};
  });
}

expected<column_data> read_column(const h5_context& ctx, hid_t group, const where& at, const std::string& name) {
  auto exists = H5Lexists(group, name.c_str(), H5P_DEFAULT);
  if (exists < 0)
    return failure(at, "H5Lexists");
  if (exists == 0)
    return format_failure(at, "listed in column-order but missing");
  handle object{H5Oopen(group, name.c_str(), H5P_DEFAULT), H5Oclose};
  if (!object)
    return failure(at, "H5Oopen");
  auto encoding = read_text_attribute(ctx, object.get(), at, encoding_type);
  if (!encoding)
    return encoding.error_value();
  if (*encoding == "array")
    return read_array(ctx, group, at, name.c_str());
  if (*encoding == "string-array") {
    auto ds = open_1d(group, at, name.c_str());
    if (!ds)
      return ds.error_value();
    auto xs = read_strings(ctx, *ds, at);
    if (!xs)
      return xs.error_value();
    return column_data{std::move(*xs)};
  }
  if (*encoding == "nullable-integer")
    return read_nullable(ctx, group, at, name.c_str());
  return format_failure(at, "unsupported encoding-type '" + *encoding + "'");
}

expected<handle> open_for_reading(const std::string& path) {
  handle fapl = make_file_access();
  if (!fapl)
    return failure(where{path, "/"}, "H5Pcreate");
  handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose};
  if (!file)
    return failure(where{path, "/"}, "H5Fopen");
  return file;
}

} // namespace

// ---- result_file_writer ---------------------------------------------------

result_file_writer::~result_file_writer() {
  discard();
}

error result_file_writer::fail(error err) {
  failed_ = true;
  return err;
}

error result_file_writer::open(std::string path) {
  if (is_open())
    return make_error(ec::invalid_argument, path_ + ": the writer already has a file open");
  quiet_errors quiet;
  auto temp = path + ".tmp-" + std::to_string(::getpid());
  // A crash may have left a file under this name (pids repeat): replace it.
  ::unlink(temp.c_str());
  // Created here rather than by HDF5 so that it is owner-only from the
  // start, whatever the umask; HDF5 then truncates it and keeps the mode.
  auto fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0)
    return os_failure(temp, "open (temporary file)", errno);
  auto chmod_status = ::fchmod(fd, S_IRUSR | S_IWUSR);
  auto chmod_errno = errno;
  ::close(fd);
  if (chmod_status < 0) {
    ::unlink(temp.c_str());
    return os_failure(temp, "fchmod", chmod_errno);
  }
  handle fapl = make_file_access();
  if (!fapl) {
    ::unlink(temp.c_str());
    return failure(where{temp, "/"}, "H5Pcreate (file access)");
  }
  auto file = H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (file < 0) {
    auto err = failure(where{temp, "/"}, "H5Fcreate");
    ::unlink(temp.c_str());
    return err;
  }
  file_ = file;
  path_ = std::move(path);
  temp_path_ = std::move(temp);
  attributes_written_ = false;
  failed_ = false;
  where at{temp_path_, "/"};
  auto ctx = make_context(temp_path_);
  if (!ctx) {
    auto err = ctx.error_value();
    discard();
    return err;
  }
  if (auto err = write_text_attribute(*ctx, file_, at, "format", result_format)) {
    discard();
    return err;
  }
  return {};
}

error result_file_writer::write_attributes(const result_attributes& attrs) {
  if (!is_open())
    return make_error(ec::invalid_argument, "write_attributes: no file is open");
  for (auto* text : {&attrs.engine_version, &attrs.created_at, &attrs.config, &attrs.inputs})
    if (!valid_text(*text))
      return fail(make_error(ec::invalid_argument, path_ + ": a root attribute is not UTF-8 or holds a NUL byte"));
  quiet_errors quiet;
  auto ctx = make_context(temp_path_);
  if (!ctx)
    return fail(ctx.error_value());
  where at{temp_path_, "/"};
  if (auto err = write_int_attribute(file_, at, "schema_version", attrs.schema_version))
    return fail(std::move(err));
  const std::pair<const char*, std::string> texts[] = {
    {"engine_version", attrs.engine_version},
    {"created_at", attrs.created_at.empty() ? utc_now() : attrs.created_at},
    {"config", attrs.config},
    {"inputs", attrs.inputs},
  };
  for (auto& [name, value] : texts)
    if (auto err = write_text_attribute(*ctx, file_, at, name, value))
      return fail(std::move(err));
  attributes_written_ = true;
  return {};
}

error result_file_writer::write_table(std::string_view name, const column_table& table) {
  if (!is_open())
    return make_error(ec::invalid_argument, "write_table: no file is open");
  std::string group_path = "/" + std::string{name};
  if (name.empty() || name == "." || name.find('/') != std::string_view::npos || !valid_text(name))
    return fail(make_error(ec::invalid_argument, path_ + ": invalid table name '" + std::string{name} + "'"));
  quiet_errors quiet;
  where at{temp_path_, group_path};
  std::string name_z{name};
  auto exists = H5Lexists(file_, name_z.c_str(), H5P_DEFAULT);
  if (exists < 0)
    return fail(failure(at, "H5Lexists"));
  if (exists > 0)
    return fail(make_error(ec::invalid_argument, path_ + ": table '" + name_z + "' is already written"));
  auto ctx = make_context(temp_path_);
  if (!ctx)
    return fail(ctx.error_value());
  handle group{H5Gcreate2(file_, name_z.c_str(), ctx->link_create.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  if (!group)
    return fail(failure(at, "H5Gcreate2"));
  if (auto err = write_encoding(*ctx, group.get(), at, "dataframe", "0.2.0"))
    return fail(std::move(err));
  if (auto err = write_text_attribute(*ctx, group.get(), at, "_index", index_name))
    return fail(std::move(err));
  std::vector<const char*> order;
  for (auto& col : table.columns())
    order.push_back(col.name.c_str());
  if (auto err = write_text_list_attribute(*ctx, group.get(), at, "column-order", order))
    return fail(std::move(err));
  table_writer writer{*ctx, temp_path_, table.rows()};
  if (auto err = writer.write_index(group.get(), group_path))
    return fail(std::move(err));
  for (auto& col : table.columns())
    if (auto err = writer.write_column(group.get(), group_path, col))
      return fail(std::move(err));
  return {};
}

error result_file_writer::commit() {
  if (!is_open())
    return make_error(ec::invalid_argument, "commit: no file is open");
  auto refuse = [this](std::string reason) {
    auto err = make_error(ec::invalid_argument, path_ + ": not committed: " + reason);
    discard();
    return err;
  };
  if (failed_)
    return refuse("an earlier write failed");
  if (!attributes_written_)
    return refuse("the root attributes were never written");
  quiet_errors quiet;
  where at{temp_path_, "/"};
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) {
    auto err = failure(at, "H5Fflush");
    discard();
    return err;
  }
  auto status = H5Fclose(file_);
  file_ = -1;
  if (status < 0) {
    auto err = failure(at, "H5Fclose");
    discard();
    return err;
  }
  // HDF5 has written everything; make it durable before it gets the final name.
  auto fd = ::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    auto err = os_failure(temp_path_, "open (for fsync)", errno);
    discard();
    return err;
  }
  auto synced = ::fsync(fd);
  auto sync_errno = errno;
  ::close(fd);
  if (synced < 0) {
    auto err = os_failure(temp_path_, "fsync", sync_errno);
    discard();
    return err;
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) < 0) {
    auto err = os_failure(path_, "rename", errno);
    discard();
    return err;
  }
  sync_directory_of(path_);
  temp_path_.clear();
  return {};
}

namespace {

// Opens `object` of `file` (a group or a dataset) for attribute access.
expected<handle> open_object(hid_t file, const where& at) {
  std::string name{at.object};
  if (name == "/")
    return handle{H5Oopen(file, ".", H5P_DEFAULT), H5Oclose};
  auto exists = H5Lexists(file, name.c_str(), H5P_DEFAULT);
  if (exists <= 0)
    return format_failure(at, "no such object");
  handle obj{H5Oopen(file, name.c_str(), H5P_DEFAULT), H5Oclose};
  if (!obj)
    return failure(at, "H5Oopen");
  return obj;
}

} // namespace

error result_file_writer::set_text_attribute(std::string_view object, std::string_view name, std::string_view value) {
  if (!is_open())
    return make_error(ec::invalid_argument, "set_text_attribute: no file is open");
  if (!valid_text(value) || !valid_text(name))
    return fail(make_error(ec::invalid_argument, path_ + ": attribute '" + std::string{name} + "' is not UTF-8"));
  quiet_errors quiet;
  where at{temp_path_, std::string{object}};
  auto ctx = make_context(temp_path_);
  if (!ctx)
    return fail(ctx.error_value());
  auto obj = open_object(file_, at);
  if (!obj)
    return fail(obj.error_value());
  std::string name_z{name};
  if (auto err = write_text_attribute(*ctx, obj->get(), at, name_z.c_str(), value))
    return fail(std::move(err));
  return {};
}

error result_file_writer::set_int_attribute(std::string_view object, std::string_view name, int64_t value) {
  if (!is_open())
    return make_error(ec::invalid_argument, "set_int_attribute: no file is open");
  quiet_errors quiet;
  where at{temp_path_, std::string{object}};
  auto obj = open_object(file_, at);
  if (!obj)
    return fail(obj.error_value());
  std::string name_z{name};
  if (auto err = write_int_attribute(obj->get(), at, name_z.c_str(), value))
    return fail(std::move(err));
  return {};
}

void result_file_writer::discard() noexcept {
  if (file_ >= 0) {
    quiet_errors quiet;
    H5Fclose(file_);
    file_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

// ---- reading --------------------------------------------------------------

expected<column_table> read_table(const std::string& path, std::string_view name) {
  quiet_errors quiet;
  std::string name_z{name};
  where at{path, "/" + name_z};
  if (name.empty() || name.find('/') != std::string_view::npos)
    return make_error(ec::invalid_argument, path + ": invalid table name '" + name_z + "'");
  auto ctx = make_context(path);
  if (!ctx)
    return ctx.error_value();
  auto file = open_for_reading(path);
  if (!file)
    return file.error_value();
  auto exists = H5Lexists(file->get(), name_z.c_str(), H5P_DEFAULT);
  if (exists < 0)
    return failure(at, "H5Lexists");
  if (exists == 0)
    return format_failure(at, "no such table");
  handle group{H5Gopen2(file->get(), name_z.c_str(), H5P_DEFAULT), H5Gclose};
  if (!group)
    return failure(at, "H5Gopen2");
  auto encoding = read_text_attribute(*ctx, group.get(), at, encoding_type);
  if (!encoding)
    return encoding.error_value();
  if (*encoding != "dataframe")
    return format_failure(at, "encoding-type is '" + *encoding + "', not 'dataframe'");
  auto order = read_text_list_attribute(*ctx, group.get(), at, "column-order");
  if (!order)
    return order.error_value();
  column_table table;
  for (auto& col : *order) {
    where col_at{path, at.object + "/" + col};
    auto data = read_column(*ctx, group.get(), col_at, col);
    if (!data)
      return data.error_value();
    if (auto err = table.add(col, std::move(*data)))
      return format_failure(at, err.message);
  }
  return table;
}

namespace {

// An attribute of `object` in the file at `path`, read by `read(obj, at,
// name)`; nullopt when the object has no such attribute.
template <class T, class Read>
expected<std::optional<T>> read_optional_attribute(const std::string& path, std::string_view object,
                                                   std::string_view name, Read read) {
  quiet_errors quiet;
  where at{path, std::string{object}};
  auto file = open_for_reading(path);
  if (!file)
    return file.error_value();
  auto obj = open_object(file->get(), at);
  if (!obj)
    return obj.error_value();
  std::string name_z{name};
  auto exists = H5Aexists(obj->get(), name_z.c_str());
  if (exists < 0)
    return failure(at, "H5Aexists", name);
  if (exists == 0)
    return std::optional<T>{};
  auto value = read(obj->get(), at, name_z.c_str());
  if (!value)
    return value.error_value();
  return std::optional<T>{std::move(*value)};
}

} // namespace

expected<std::optional<std::string>> read_attribute_text(const std::string& path, std::string_view object,
                                                         std::string_view name) {
  auto ctx = make_context(path);
  if (!ctx)
    return ctx.error_value();
  return read_optional_attribute<std::string>(path, object, name, [&](hid_t obj, const where& at, const char* n) {
    return read_text_attribute(*ctx, obj, at, n);
  });
}

expected<std::optional<int64_t>> read_attribute_int(const std::string& path, std::string_view object,
                                                    std::string_view name) {
  return read_optional_attribute<int64_t>(path, object, name, read_int_attribute);
}

expected<result_attributes> read_attributes(const std::string& path) {
  quiet_errors quiet;
  where at{path, "/"};
  auto ctx = make_context(path);
  if (!ctx)
    return ctx.error_value();
  auto file = open_for_reading(path);
  if (!file)
    return file.error_value();
  auto format = read_text_attribute(*ctx, file->get(), at, "format");
  if (!format)
    return format.error_value();
  if (*format != result_format)
    return format_failure(at, "format is '" + *format + "', not a receptor result file");
  auto version = read_int_attribute(file->get(), at, "schema_version");
  if (!version)
    return version.error_value();
  result_attributes out;
  out.schema_version = *version;
  std::pair<const char*, std::string*> texts[] = {
    {"engine_version", &out.engine_version},
    {"created_at", &out.created_at},
    {"config", &out.config},
    {"inputs", &out.inputs},
  };
  for (auto& [name, target] : texts) {
    auto value = read_text_attribute(*ctx, file->get(), at, name);
    if (!value)
      return value.error_value();
    *target = std::move(*value);
  }
  return out;
}

} // namespace receptor::store
