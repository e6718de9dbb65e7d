#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec prometheus_spec();
}
