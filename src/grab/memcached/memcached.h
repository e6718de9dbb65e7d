#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec memcached_spec();
}
