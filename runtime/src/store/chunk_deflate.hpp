#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace receptor::store {

/// One chunk as HDF5's shuffle + deflate filters would store it: the bytes of
/// `element_size`-byte elements regrouped by byte position (H5Z shuffle),
/// then deflated in a zlib stream (H5Z deflate, i.e. compress2). Doing it outside HDF5
/// lets a writer compress chunks on several threads and hand them to
/// H5Dwrite_chunk; any HDF5 reader decodes them with the standard filters.
std::vector<unsigned char> deflate_chunk(const unsigned char* data, size_t bytes, size_t element_size, bool shuffle,
                                         int level);

/// Runs `job(i)` for i in [0, count) on up to `threads` threads (the caller's
/// among them) and returns when all are done.
void run_parallel(size_t count, unsigned threads, const std::function<void(size_t)>& job);

} // namespace receptor::store
