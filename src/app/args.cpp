#include "app/args.h"

namespace sl::app {

std::vector<std::string> normalize_args(int argc, char** argv) {
    std::vector<std::string> out;
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-iL")
            a = "--input-list";
        else if (a.rfind("-iL=", 0) == 0)
            a = "--input-list=" + a.substr(4);
        else if (a == "--dry-run=list")
            a = "--dry-run-list";
        else if (a == "--dry-run=count")
            a = "--dry-run";
        out.push_back(a);
    }
    return out;
}

std::string one_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

}  // namespace sl::app
