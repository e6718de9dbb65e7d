#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec jenkins_spec();
}
