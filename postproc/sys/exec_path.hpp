// Process-environment helpers shared by the stages that start external programs (tshark in
// `run`, rsvg-convert in the report).
#pragma once

#include <string>

namespace msc::sys {

// True if `prog` can be executed: a path containing '/' must be executable itself; a bare name is
// looked up in $PATH (default /usr/local/bin:/usr/bin:/bin; an empty PATH element means ".").
bool executable_in_path(const std::string& prog);

} // namespace msc::sys
