// The store's one writer thread. Scan workers submit batches; the thread applies whatever has
// gathered in the last kGroupWindow as one transaction, so a scan is not slowed by storing and a
// reader never sees a partial batch. The queue is bounded (submit blocks when it is full). After
// the first error (disk full, read-only file) every later batch is dropped and failed() tells the
// scan to stop. A first scan into an empty store builds the search indexes at its end.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "store/store.h"

namespace sl::store {

inline constexpr size_t kMaxQueuedBatches = 256;
// How long the thread lets batches gather before it commits them as one transaction (sooner
// when half the queue is full, or at the end of the scan).
inline constexpr std::chrono::milliseconds kGroupWindow{200};

class StoreWriter {
  public:
    explicit StoreWriter(Store store) : store_(std::move(store)) {}
    ~StoreWriter();
    StoreWriter(const StoreWriter&) = delete;
    StoreWriter& operator=(const StoreWriter&) = delete;

    // Records the scan (synchronously), then starts the thread.
    Status start(const ScanStart& s);
    void submit(Batch b);  // thread safe
    // Drains the queue, stops the thread and closes the scan; the first error wins.
    Status finish(const ScanEnd& e);
    bool failed() const { return failed_.load(); }
    uint64_t committed_batches() const { return committed_.load(); }
    Store& store() { return store_; }

  private:
    void loop();
    Store store_;
    std::mutex mutex_;
    std::condition_variable wake_, room_;
    std::deque<Batch> queue_;
    bool stopping_ = false;
    std::atomic<bool> failed_{false};
    std::atomic<uint64_t> committed_{0};
    bool deferred_indexes_ = false;  // a first scan: the search indexes are built at its end
    Error error_;
    std::thread thread_;
};

}  // namespace sl::store
