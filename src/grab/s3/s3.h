#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec s3_spec();
}
