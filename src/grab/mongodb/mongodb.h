#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec mongodb_spec();
}
