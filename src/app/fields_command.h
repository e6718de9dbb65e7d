// `searchlight fields`: the record fields every grabber declares (docs/records.md).
#pragma once

namespace sl::app {

int run_fields(bool markdown);

}  // namespace sl::app
