#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec postgres_spec();
}
