#pragma once
#include <string>

#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec ldap_spec();
// The rootDSE search every LDAP grab starts with (its shape is part of the fallback order).
std::string ldap_first_message();
}  // namespace sl::grab
