#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec http_spec();
}
