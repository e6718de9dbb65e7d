// `searchlight search QUERY`: the services that match, newest first, with the total and facets.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "app/store_cli.h"
#include "store/search.h"

namespace sl::app {

struct SearchArgs {
    StoreFlags store;
    std::string query;
    std::string facets;
    size_t limit = 100;
    size_t offset = 0;
    std::string sort = "newest";
    bool include_gone = false;
};

CLI::App* add_search_command(CLI::App& app, SearchArgs& args);
int run_search(const SearchArgs& args);

// Facets as lines of value, count and a bar (table format), shared with `findings`.
void print_facets(std::FILE* out, const std::vector<store::Facet>& facets);
nlohmann::ordered_json facets_json(const std::vector<store::Facet>& facets);

}  // namespace sl::app
