#include "scan/permutation.h"

#include <vector>

#include "core/ip.h"

namespace sl::scan {

namespace {

uint64_t mul_mod(uint64_t a, uint64_t b, uint64_t mod) {
    return static_cast<uint64_t>(static_cast<U128>(a) * b % mod);
}

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::vector<uint64_t> prime_factors(uint64_t n) {
    std::vector<uint64_t> factors;
    for (uint64_t d = 2; d * d <= n; d += (d == 2 ? 1 : 2)) {
        if (n % d != 0) continue;
        factors.push_back(d);
        while (n % d == 0) n /= d;
    }
    if (n > 1) factors.push_back(n);
    return factors;
}

bool is_generator(uint64_t g, uint64_t prime, const std::vector<uint64_t>& factors) {
    for (uint64_t q : factors)
        if (pow_mod(g, (prime - 1) / q, prime) == 1) return false;
    return true;
}

}  // namespace

uint64_t pow_mod(uint64_t base, uint64_t exp, uint64_t mod) {
    uint64_t result = 1 % mod;
    base %= mod;
    while (exp > 0) {
        if (exp & 1) result = mul_mod(result, base, mod);
        base = mul_mod(base, base, mod);
        exp >>= 1;
    }
    return result;
}

bool is_prime(uint64_t n) {
    if (n < 2) return false;
    for (uint64_t p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
        if (n % p == 0) return n == p;
    }
    uint64_t d = n - 1;
    int r = 0;
    while ((d & 1) == 0) {
        d >>= 1;
        ++r;
    }
    // These bases make Miller-Rabin exact for every 64-bit n.
    for (uint64_t a : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
        uint64_t x = pow_mod(a, d, n);
        if (x == 1 || x == n - 1) continue;
        bool composite = true;
        for (int i = 1; i < r && composite; ++i) {
            x = mul_mod(x, x, n);
            if (x == n - 1) composite = false;
        }
        if (composite) return false;
    }
    return true;
}

CyclicGroup CyclicGroup::create(uint64_t size, uint64_t seed) {
    SL_CHECK(size >= 1, "a permutation needs at least one element");
    CyclicGroup g;
    g.size_ = size;
    g.prime_ = size + 1;
    while (!is_prime(g.prime_)) ++g.prime_;
    uint64_t state = seed;
    uint64_t order = g.prime_ - 1;
    if (order == 1) {
        g.generator_ = 1;
        g.start_ = 1;
        return g;
    }
    std::vector<uint64_t> factors = prime_factors(order);
    do {
        g.generator_ = 2 + splitmix64(state) % (order - 1);  // in [2, p-1]
    } while (!is_generator(g.generator_, g.prime_, factors));
    g.start_ = 1 + splitmix64(state) % order;
    return g;
}

uint64_t shard_length(const CyclicGroup& group, Shard shard) {
    uint64_t order = group.prime() - 1;
    if (shard.index >= order) return 0;
    return (order - shard.index + shard.count - 1) / shard.count;
}

ShardWalker::ShardWalker(const CyclicGroup& group, Shard shard, uint64_t position)
    : size_(group.size()),
      prime_(group.prime()),
      step_(pow_mod(group.generator(), shard.count, group.prime())),
      position_(position),
      length_(shard_length(group, shard)) {
    uint64_t cycle_pos = static_cast<uint64_t>(
        (static_cast<U128>(position) * shard.count + shard.index) % (prime_ - 1));
    current_ = mul_mod(group.start(), pow_mod(group.generator(), cycle_pos, prime_), prime_);
}

bool ShardWalker::next(uint64_t limit, uint64_t* pair_index) {
    if (limit > length_) limit = length_;
    while (position_ < limit) {
        uint64_t value = current_;
        current_ = mul_mod(current_, step_, prime_);
        ++position_;
        if (value <= size_) {
            *pair_index = value - 1;
            return true;
        }
    }
    return false;
}

}  // namespace sl::scan
