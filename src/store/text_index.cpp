#include "store/text_index.h"

#include "store/fingerprint.h"

namespace sl::store {

std::string searchable_text(const nlohmann::ordered_json& record) {
    bool something = false;  // beyond the protocol's name
    for (const char* field : {"banner", "http.title", "product", "version", "tls_cert.subject_cn",
                              "tls_cert.sans", "data.names_sample"})
        if (const auto* v = find_dotted(record, field); v && (v->is_string() || v->is_array()))
            something = true;
    if (!something) return "";
    std::string out;
    for (const char* field : {"banner", "http.title", "product", "protocol", "version",
                              "tls_cert.subject_cn", "tls_cert.sans", "data.names_sample"}) {
        const auto* v = find_dotted(record, field);
        if (!out.empty()) out += ' ';
        if (v && v->is_string())
            out += v->get<std::string>();
        else if (v && v->is_array())
            out += v->dump();
    }
    return out;
}

}  // namespace sl::store
