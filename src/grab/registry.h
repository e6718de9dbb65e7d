// The list of grabbers: one line per protocol in registry.cpp, no static self-registration.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "grab/grabber.h"

namespace sl::grab {

// Every grabber, in the order cheap fallbacks are tried.
std::span<const GrabberSpec> all_grabbers();
const GrabberSpec* find_grabber(std::string_view name);
// Fields every service record may carry, whatever the protocol (DESIGN.md section 7).
std::span<const FieldSpec> common_fields();
// docs/records.md, generated from the specs.
std::string records_markdown();

}  // namespace sl::grab
