#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec ftp_spec();
}
