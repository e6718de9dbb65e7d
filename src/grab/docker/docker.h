#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec docker_spec();
}
