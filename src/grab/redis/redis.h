#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec redis_spec();
}
