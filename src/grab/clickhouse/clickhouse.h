#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec clickhouse_spec();
}
