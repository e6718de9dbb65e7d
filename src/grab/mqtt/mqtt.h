#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec mqtt_spec();
}
