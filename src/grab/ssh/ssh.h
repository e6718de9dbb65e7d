#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec ssh_spec();
}
