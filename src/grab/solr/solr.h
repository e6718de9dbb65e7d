#pragma once
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec solr_spec();
}
