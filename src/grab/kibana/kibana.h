#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec kibana_spec();
}
