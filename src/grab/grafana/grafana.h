#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec grafana_spec();
}
