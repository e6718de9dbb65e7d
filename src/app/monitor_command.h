// `searchlight monitor check-config | run | status | retry`, and `searchlight events`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app/store_cli.h"

namespace sl::app {

struct MonitorArgs {
    StoreFlags store;
    std::string config;
    bool once = false;
    std::vector<std::string> ids;  // retry
};
CLI::App* add_monitor_command(CLI::App& app, MonitorArgs& a);
int run_monitor_command(CLI::App& cmd, const MonitorArgs& a);

struct EventsArgs {
    StoreFlags store;
    std::string query;
    size_t limit = 100;
};
CLI::App* add_events_command(CLI::App& app, EventsArgs& a);
int run_events(const EventsArgs& a);

}  // namespace sl::app
