#include "sys/exec_path.hpp"

#include <cstdlib>
#include <unistd.h>

namespace msc::sys {

bool executable_in_path(const std::string& prog) {
    if (prog.empty()) return false;
    if (prog.find('/') != std::string::npos) return ::access(prog.c_str(), X_OK) == 0;
    const char* env = std::getenv("PATH");
    const std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        if (dir.empty()) dir = ".";
        if (::access((dir + "/" + prog).c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}

} // namespace msc::sys
