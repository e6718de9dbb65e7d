#include "store/store_writer.h"

#include <pthread.h>

namespace sl::store {

namespace {

void append(Batch& into, Batch&& b) {
    auto move_all = [](auto& to, auto& from) {
        for (auto& x : from) to.push_back(std::move(x));
    };
    move_all(into.open_ports, b.open_ports);
    move_all(into.misses, b.misses);
    move_all(into.services, b.services);
    move_all(into.hosts, b.hosts);
}

}  // namespace

StoreWriter::~StoreWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Status StoreWriter::start(const ScanStart& s) {
    // A first scan is a bulk load: every service is new (docs/store.md, "Bulk loads").
    auto held = store_.services_held();
    if (!held) return held.error();
    if (*held == 0) {
        if (auto st = store_.defer_search_indexes(); !st) return st;
        deferred_indexes_ = true;
    }
    if (auto st = store_.begin_scan(s); !st) return st;
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "sl-store");
        loop();
    });
    return Ok{};
}

void StoreWriter::submit(Batch b) {
    if (b.size() == 0 || failed_.load()) return;
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return queue_.size() < kMaxQueuedBatches || failed_.load(); });
    if (failed_.load()) return;
    queue_.push_back(std::move(b));
    lock.unlock();
    wake_.notify_one();
}

void StoreWriter::loop() {
    while (true) {
        Batch merged;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) return;
            // Group commit: a commit rewrites every index page the batch touched, so many small
            // ones cost many times what one larger one does. Wait a little for more.
            wake_.wait_for(lock, kGroupWindow,
                           [&] { return stopping_ || queue_.size() >= kMaxQueuedBatches / 2; });
            while (!queue_.empty()) {
                append(merged, std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        room_.notify_all();
        if (failed_.load()) continue;
        if (auto s = store_.apply(merged); !s) {
            std::lock_guard lock(mutex_);
            error_ = s.error();
            failed_.store(true);
            queue_.clear();
            room_.notify_all();
        } else {
            ++committed_;
        }
    }
}

Status StoreWriter::finish(const ScanEnd& e) {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    ScanEnd end = e;
    if (failed_.load()) {  // what was committed stays; the scan is marked incomplete
        end.completed = false;
        end.status = "failed";
        (void)store_.finish_scan(end);
        if (deferred_indexes_) (void)store_.restore_search_indexes();
        return error_;
    }
    Status finished = store_.finish_scan(end);
    if (deferred_indexes_)
        if (auto st = store_.restore_search_indexes(); !st && finished) return st;
    return finished;
}

}  // namespace sl::store
