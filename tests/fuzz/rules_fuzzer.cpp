// Fuzzes the rule loader: any text is either a rule set or one error line of the form
// "name:line:col: what", never a crash or a hang; a loaded set evaluates its own examples.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rules/examples.h"
#include "rules/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return 0;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto set = sl::rules::load_rules_text(text, "f.yaml");
    if (!set) {
        const std::string& m = set.error().message;
        if (m.rfind("f.yaml:", 0) != 0 || m.find('\n') != std::string::npos) std::abort();
        return 0;
    }
    (void)sl::rules::run_examples(**set, sl::rules::EvalContext{1795435546});
    return 0;
}
