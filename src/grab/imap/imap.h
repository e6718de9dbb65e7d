#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec imap_spec();
}
