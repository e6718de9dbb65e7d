#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec kubernetes_spec();
}
