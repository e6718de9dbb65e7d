#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec mysql_spec();
}
