#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec zookeeper_spec();
}
