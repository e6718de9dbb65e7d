#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec telnet_spec();
}
