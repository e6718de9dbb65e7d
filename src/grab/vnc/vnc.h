#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec vnc_spec();
}
