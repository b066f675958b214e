#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace receptor::synth {

/// Advances a splitmix64 state and returns its next output. Seeds the
/// generator below and derives independent streams from one seed.
constexpr uint64_t splitmix64(uint64_t& state) noexcept {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// The seed of stream `stream` under `seed`: each receipt, person or table
/// draws from its own stream, so adding one never shifts the others.
constexpr uint64_t derive_seed(uint64_t seed, uint64_t stream) noexcept {
  uint64_t state = seed ^ (stream * 0xD1B54A32D192ED03ull);
  splitmix64(state);
  return splitmix64(state);
}

/// xoshiro256** with its own helpers. The standard distributions are
/// implementation-defined, so every draw the generator makes goes through
/// here: the same seed gives the same bytes on every platform.
class rng {
public:
  /// Seeds the four state words from splitmix64(seed).
  explicit rng(uint64_t seed) noexcept {
    for (auto& word : s_)
      word = splitmix64(seed);
  }

  /// The next 64 random bits.
  uint64_t next() noexcept {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform integer in [0, n); n must be positive. Rejection keeps it unbiased.
  uint64_t below(uint64_t n) noexcept {
    const uint64_t threshold = (0 - n) % n; // 2^64 mod n
    for (;;) {
      const uint64_t r = next();
      if (r >= threshold)
        return r % n;
    }
  }

  /// Uniform integer in [lo, hi] (lo <= hi).
  int64_t between(int64_t lo, int64_t hi) noexcept {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }

  /// Uniform double in [0, 1) with 53 bits of resolution.
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// True with probability p.
  bool chance(double p) noexcept { return unit() < p; }

  /// A uniformly chosen element of a non-empty vector.
  template <class T>
  const T& pick(const std::vector<T>& items) noexcept {
    return items[below(items.size())];
  }

  /// An index drawn with the given non-negative integer weights (not all zero).
  template <class Weight, size_t N>
  size_t weighted(const Weight (&weights)[N]) noexcept {
    uint64_t total = 0;
    for (auto w : weights)
      total += static_cast<uint64_t>(w);
    uint64_t r = below(total);
    for (size_t i = 0; i < N; ++i) {
      if (r < static_cast<uint64_t>(weights[i]))
        return i;
      r -= static_cast<uint64_t>(weights[i]);
    }
    return N - 1;
  }

private:
  static constexpr uint64_t rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

} // namespace receptor::synth
