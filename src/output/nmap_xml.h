// Stored services as nmap XML (-oX), valid against the DTD that Debian's nmap ships, so tools
// that read nmap output (ndiff, Metasploit's db_import, IVRE, DefectDojo) accept it. Findings
// ride along as a `searchlight-findings` script per port. Values are XML-escaped; bytes that
// XML 1.0 cannot hold become visible \xNN text.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sl::output {

class NmapXmlWriter {
  public:
    NmapXmlWriter(std::FILE* out, std::string args, int64_t now_ms);
    // Service rows of one host at a time, in address order (store::search_services rows).
    void host(const std::vector<nlohmann::ordered_json>& services);
    void finish();

  private:
    std::FILE* out_;
    int64_t now_ms_;
    size_t hosts_ = 0;
};

std::string xml_escape(const std::string& s);

}  // namespace sl::output
