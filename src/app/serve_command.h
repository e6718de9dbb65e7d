// `searchlight serve`: the JSON API on 127.0.0.1 by default, behind a bearer token.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "api/http_server.h"

namespace sl::app {

struct ServeArgs {
    std::string db;
    std::string listen = "127.0.0.1:8470";
    std::string tls_cert, tls_key;
    std::string monitor_config;
    unsigned max_connections = api::ServerOptions{}.max_connections;
    unsigned max_per_address = api::ServerOptions{}.max_per_address;
    bool rotate_token = false;
};
CLI::App* add_serve_command(CLI::App& app, ServeArgs& a);
int run_serve(const ServeArgs& a);

}  // namespace sl::app
