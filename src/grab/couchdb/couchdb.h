#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec couchdb_spec();
}
