#include "core/byte_queue.h"

#include <algorithm>

#include "core/result.h"

namespace sl {

bool ByteQueue::append(std::string_view bytes) {
    offered_ += bytes.size();
    uint64_t room = stored_ >= cap_ ? 0 : cap_ - stored_;
    size_t take = static_cast<size_t>(std::min<uint64_t>(room, bytes.size()));
    if (head_ > 0 && head_ == buf_.size()) {
        buf_.clear();
        head_ = 0;
    }
    buf_.append(bytes.data(), take);
    stored_ += take;
    if (take < bytes.size()) overflowed_ = true;
    return take == bytes.size();
}

void ByteQueue::consume(size_t n) {
    SL_CHECK(n <= size(), "consume past the end of a ByteQueue");
    head_ += n;
    if (head_ > 4096 && head_ * 2 > buf_.size()) {
        buf_.erase(0, head_);
        head_ = 0;
    }
}

}  // namespace sl
