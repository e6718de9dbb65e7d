#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec ldap_spec();
}
