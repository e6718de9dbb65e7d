#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec kubelet_spec();
}
