// The web UI's files (web/), compiled into the binary by cmake/embed.cmake: `serve` needs no
// Node, no CDN and no files at run time, and works offline.
#pragma once

#include <string_view>
#include <vector>

namespace sl::api {

struct Asset {
    std::string_view path;  // "/index.html", "/app.js", ...
    std::string_view content_type;
    std::string_view body;
};

const std::vector<Asset>& assets();

}  // namespace sl::api
