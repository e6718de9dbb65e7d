#include "app/fields_command.h"

#include <cstdio>

#include "app/exit_codes.h"
#include "grab/registry.h"

namespace sl::app {

int run_fields(bool markdown) {
    if (markdown) {
        std::fputs(grab::records_markdown().c_str(), stdout);
        return kExitOk;
    }
    for (const auto& f : grab::common_fields())
        std::printf("%-32s %-12s %.*s\n", std::string(f.name).c_str(), grab::to_string(f.type),
                    static_cast<int>(f.meaning.size()), f.meaning.data());
    for (const auto& spec : grab::all_grabbers())
        for (const auto& f : spec.fields)
            std::printf("%-32s %-12s %.*s\n", std::string(f.name).c_str(), grab::to_string(f.type),
                        static_cast<int>(f.meaning.size()), f.meaning.data());
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace sl::app
