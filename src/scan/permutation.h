// The scan order: ZMap's cyclic-group permutation. For a scan of `size` pairs, take the
// smallest prime p > size and a seeded random generator g of the multiplicative group mod p.
// Starting from a seeded element x0, the cycle x0 * g^k (k = 0..p-2) visits every value in
// [1, p-1] exactly once; values above `size` are skipped, and value v is pair v - 1.
// No per-target state is kept. Shard i of N owns the cycle positions k = i + N*j, so the
// shards are disjoint and their union is the whole scan. A shard's position is one number, j.
#pragma once

#include <cstdint>

#include "core/result.h"

namespace sl::scan {

struct Shard {
    uint32_t index = 0;  // counted from 0
    uint32_t count = 1;
};

class CyclicGroup {
  public:
    // size must be in [1, 2^48]; the same (size, seed) always gives the same group and start.
    static CyclicGroup create(uint64_t size, uint64_t seed);

    uint64_t size() const { return size_; }
    uint64_t prime() const { return prime_; }
    uint64_t generator() const { return generator_; }
    uint64_t start() const { return start_; }

  private:
    uint64_t size_ = 0;
    uint64_t prime_ = 2;
    uint64_t generator_ = 1;
    uint64_t start_ = 1;
};

// Walks the positions of one shard from a given position onward.
class ShardWalker {
  public:
    ShardWalker(const CyclicGroup& group, Shard shard, uint64_t position);
    // Advances to the next valid pair, or returns false when the shard is exhausted.
    // `limit` is the position to stop before.
    bool next(uint64_t limit, uint64_t* pair_index);
    uint64_t position() const { return position_; }

  private:
    uint64_t size_;
    uint64_t prime_;
    uint64_t step_;
    uint64_t current_;
    uint64_t position_;
    uint64_t length_;
};

// Number of cycle positions owned by a shard (valid pairs and skipped values alike).
uint64_t shard_length(const CyclicGroup& group, Shard shard);

// Exposed for tests.
bool is_prime(uint64_t n);
uint64_t pow_mod(uint64_t base, uint64_t exp, uint64_t mod);

}  // namespace sl::scan
