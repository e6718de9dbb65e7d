#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec elasticsearch_spec();
}
