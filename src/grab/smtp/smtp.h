#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec smtp_spec();
}
