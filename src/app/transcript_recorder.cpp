#include "app/transcript_recorder.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sl::app {

void TranscriptRecorder::on_connection(const IpAddr&, uint16_t, uint64_t session, bool tls,
                                       std::string_view grabber) {
    std::lock_guard lock(mutex_);
    Conn c{std::string(grabber), {}};
    c.conn.tls = tls;
    sessions_[session].push_back(std::move(c));
}

void TranscriptRecorder::add(uint64_t session, bool client, std::string_view bytes) {
    std::lock_guard lock(mutex_);
    auto& conns = sessions_[session];
    if (conns.empty()) return;
    auto& blocks = conns.back().conn.blocks;
    if (blocks.empty() || blocks.back().from_client != client) blocks.push_back({client, {}});
    blocks.back().bytes.append(bytes);
}

void TranscriptRecorder::on_claimed(uint64_t session, std::string_view grabber) {
    std::lock_guard lock(mutex_);
    auto& conns = sessions_[session];
    if (!conns.empty()) conns.back().grabber = grabber;
}

void TranscriptRecorder::on_starttls(uint64_t session) {
    std::lock_guard lock(mutex_);
    auto& conns = sessions_[session];
    if (!conns.empty()) conns.back().conn.starttls_block = conns.back().conn.blocks.size();
}

void TranscriptRecorder::on_sent(uint64_t session, std::string_view bytes) {
    add(session, true, bytes);
}
void TranscriptRecorder::on_received(uint64_t session, std::string_view bytes) {
    add(session, false, bytes);
}

void TranscriptRecorder::on_finished(uint64_t session, const scan::ServiceResult& result) {
    std::lock_guard lock(mutex_);
    auto conns = std::move(sessions_[session]);
    sessions_.erase(session);
    const auto* proto = result.record.find("protocol");
    std::string protocol = proto && proto->is_string() ? proto->get<std::string>() : "unknown";
    grab::Transcript t;
    t.header.push_back(note_.empty() ? fmt::format("recorded by searchlight from {}:{}",
                                                   result.ip.to_string(), result.port)
                                     : note_);
    t.ip = result.ip;
    t.port = result.port;
    for (auto& c : conns)
        if (c.grabber == protocol) t.connections.push_back(std::move(c.conn));
    if (t.connections.empty()) return;
    std::string path =
        fmt::format("{}/{}-{}-{}.transcript", dir_, protocol, result.ip.to_string(), result.port);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    std::string text = grab::format_transcript(t);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        errors_.push_back(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    if (fd >= 0) ::close(fd);
}

std::vector<std::string> TranscriptRecorder::errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
}

}  // namespace sl::app
