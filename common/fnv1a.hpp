#pragma once
// FNV-1a, 64-bit: a fast fingerprint compared for equality only (run signatures, the views' text).
// Not for anything an adversary chooses: the evidence chain uses SHA-256 (recorder/store/digest.cpp).
#include <cstdint>
#include <string_view>

namespace proctrail::detail {

class Fnv1a {
 public:
  void mix(std::string_view bytes) {
    for (unsigned char c : bytes) mix_byte(c);
  }
  void mix_u64(uint64_t value) {  // little-endian bytes
    for (int i = 0; i < 8; ++i, value >>= 8) mix_byte(static_cast<unsigned char>(value & 0xff));
  }
  uint64_t value() const { return hash_; }

 private:
  void mix_byte(unsigned char c) {
    hash_ ^= c;
    hash_ *= 1099511628211ull;
  }
  uint64_t hash_ = 1469598103934665603ull;
};

}  // namespace proctrail::detail
