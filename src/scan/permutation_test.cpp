#include "scan/permutation.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace sl::scan {
namespace {

std::vector<uint64_t> walk(const CyclicGroup& g, Shard shard, uint64_t from = 0) {
    std::vector<uint64_t> out;
    ShardWalker w(g, shard, from);
    uint64_t v;
    while (w.next(UINT64_MAX, &v)) out.push_back(v);
    return out;
}

TEST(Primes, MillerRabinIsExact) {
    int count = 0;
    for (uint64_t n = 0; n < 10000; ++n) {
        bool brute = n >= 2;
        for (uint64_t d = 2; d * d <= n && brute; ++d) brute = n % d != 0;
        EXPECT_EQ(is_prime(n), brute) << n;
        count += brute;
    }
    EXPECT_EQ(count, 1229);
    EXPECT_TRUE(is_prime((uint64_t{1} << 48) + 21));  // the first prime above 2^48
    EXPECT_FALSE(is_prime((uint64_t{1} << 48) + 23));
    EXPECT_FALSE(is_prime(3215031751ULL));  // strong pseudoprime to 2,3,5,7
    EXPECT_EQ(pow_mod(3, 200, 1000000007), 136318165u);
}

TEST(Permutation, EveryPairExactlyOnceForRandomSizesAndSeeds) {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 300; ++round) {
        uint64_t size = 1 + rng() % (round < 200 ? 100 : 20000);
        CyclicGroup g = CyclicGroup::create(size, rng());
        EXPECT_TRUE(is_prime(g.prime()));
        EXPECT_GT(g.prime(), size);
        std::vector<uint64_t> got = walk(g, {0, 1});
        ASSERT_EQ(got.size(), size);
        std::vector<bool> seen(size);
        for (uint64_t v : got) {
            ASSERT_LT(v, size);
            ASSERT_FALSE(seen[v]) << "duplicate " << v;
            seen[v] = true;
        }
    }
}

TEST(Permutation, SameSeedSameOrderOtherSeedOtherOrder) {
    CyclicGroup a = CyclicGroup::create(5000, 1), b = CyclicGroup::create(5000, 1),
                c = CyclicGroup::create(5000, 2);
    EXPECT_EQ(walk(a, {0, 1}), walk(b, {0, 1}));
    EXPECT_NE(walk(a, {0, 1}), walk(c, {0, 1}));
}

TEST(Shards, DisjointAndUnionComplete) {
    std::mt19937_64 rng(11);
    for (int round = 0; round < 100; ++round) {
        uint64_t size = 1 + rng() % 5000;
        uint32_t count = 1 + static_cast<uint32_t>(rng() % 9);
        CyclicGroup g = CyclicGroup::create(size, rng());
        std::vector<int> hits(size);
        for (uint32_t i = 0; i < count; ++i)
            for (uint64_t v : walk(g, {i, count})) ++hits[v];
        for (uint64_t v = 0; v < size; ++v) ASSERT_EQ(hits[v], 1) << "pair " << v;
    }
}

TEST(Shards, MoreShardsThanPositions) {
    CyclicGroup g = CyclicGroup::create(2, 3);  // p = 3: two positions
    std::vector<uint64_t> all;
    for (uint32_t i = 0; i < 5; ++i)
        for (uint64_t v : walk(g, {i, 5})) all.push_back(v);
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, (std::vector<uint64_t>{0, 1}));
}

TEST(Walker, ResumingFromAPositionGivesExactlyTheRemainder) {
    CyclicGroup g = CyclicGroup::create(3000, 99);
    Shard shard{1, 3};
    std::vector<uint64_t> full = walk(g, shard);
    ShardWalker w(g, shard, 0);
    std::vector<uint64_t> head;
    uint64_t v;
    while (w.position() < 400 && w.next(400, &v)) head.push_back(v);
    std::vector<uint64_t> tail = walk(g, shard, w.position());
    head.insert(head.end(), tail.begin(), tail.end());
    EXPECT_EQ(head, full);
}

TEST(Walker, BlocksConcatenateToTheFullOrder) {
    CyclicGroup g = CyclicGroup::create(10007, 5);
    Shard shard{0, 2};
    uint64_t length = shard_length(g, shard);
    std::vector<uint64_t> blocks;
    for (uint64_t start = 0; start < length; start += 256) {
        ShardWalker w(g, shard, start);
        uint64_t v;
        while (w.next(start + 256, &v)) blocks.push_back(v);
    }
    EXPECT_EQ(blocks, walk(g, shard));
}

}  // namespace
}  // namespace sl::scan
