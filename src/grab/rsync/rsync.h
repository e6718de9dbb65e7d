#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec rsync_spec();
}
