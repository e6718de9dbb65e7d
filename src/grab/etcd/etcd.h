#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec etcd_spec();
}
