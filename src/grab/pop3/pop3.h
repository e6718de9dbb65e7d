#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec pop3_spec();
}
