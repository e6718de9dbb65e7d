#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec influxdb_spec();
}
