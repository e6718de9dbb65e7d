// --record-transcripts DIR: writes the conversation that proved each service as a transcript
// (DESIGN.md section 7), ready to become a golden test after its header names the server.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "grab/transcript.h"
#include "scan/grab_runner.h"

namespace sl::app {

class TranscriptRecorder final : public scan::TranscriptObserver {
  public:
    TranscriptRecorder(std::string dir, std::string note)
        : dir_(std::move(dir)), note_(std::move(note)) {}
    void on_connection(const IpAddr& ip, uint16_t port, uint64_t session, bool tls,
                       std::string_view grabber) override;
    void on_claimed(uint64_t session, std::string_view grabber) override;
    void on_sent(uint64_t session, std::string_view bytes) override;
    void on_starttls(uint64_t session) override;
    void on_received(uint64_t session, std::string_view bytes) override;
    void on_finished(uint64_t session, const scan::ServiceResult& result) override;
    // Files that could not be written, one line each.
    std::vector<std::string> errors() const;

  private:
    struct Conn {
        std::string grabber;
        grab::TranscriptConnection conn;
    };
    void add(uint64_t session, bool client, std::string_view bytes);
    std::string dir_;
    std::string note_;
    mutable std::mutex mutex_;
    std::map<uint64_t, std::vector<Conn>> sessions_;
    std::vector<std::string> errors_;
};

}  // namespace sl::app
