#include "chunk_deflate.hpp"

#include <zlib.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace receptor::store {

std::vector<unsigned char> deflate_chunk(const unsigned char* data, size_t bytes, size_t element_size, bool shuffle,
                                         int level) {
  std::vector<unsigned char> shuffled;
  if (shuffle && element_size > 1) {
    // H5Z shuffle: byte j of element i goes to j * n + i; a tail shorter than
    // one element stays where it is.
    shuffled.resize(bytes);
    auto n = bytes / element_size;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < element_size; ++j)
        shuffled[j * n + i] = data[i * element_size + j];
    for (size_t k = n * element_size; k < bytes; ++k)
      shuffled[k] = data[k];
    data = shuffled.data();
  }
  auto bound = compressBound(static_cast<uLong>(bytes));
  std::vector<unsigned char> out(bound);
  uLongf size = bound;
  if (compress2(out.data(), &size, data, static_cast<uLong>(bytes), level) != Z_OK)
    throw std::runtime_error("zlib compress2 failed"); // only on out-of-memory
  out.resize(size);
  return out;
}

void run_parallel(size_t count, unsigned threads, const std::function<void(size_t)>& job) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++)
      job(i);
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads && t < count; ++t)
    helpers.emplace_back(work);
  work();
  for (auto& h : helpers)
    h.join();
}

} // namespace receptor::store
