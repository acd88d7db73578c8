// Unit tests of postproc/sys/exec_path.*: the PATH lookup `run` (tshark) and the report
// (rsvg-convert) use before starting a program.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "sys/exec_path.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using msc::sys::executable_in_path;
namespace fs = std::filesystem;

TEST_CASE("paths with a slash are checked directly, bare names through PATH") {
    const fs::path dir = fs::temp_directory_path() / ("msc-sys-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path exe = dir / "msc-test-prog", plain = dir / "msc-test-plain";
    std::ofstream(exe) << "#!/bin/sh\n";
    std::ofstream(plain) << "data\n";
    ::chmod(exe.c_str(), 0755);
    ::chmod(plain.c_str(), 0644);

    CHECK(executable_in_path(exe.string()));
    CHECK_FALSE(executable_in_path(plain.string()));        // exists, not executable
    CHECK_FALSE(executable_in_path((dir / "missing").string()));
    CHECK_FALSE(executable_in_path(""));

    const char* old = std::getenv("PATH");
    const std::string saved = old ? old : "";
    ::setenv("PATH", ("/nonexistent-dir:" + dir.string()).c_str(), 1);
    CHECK(executable_in_path("msc-test-prog"));             // found in the second element
    CHECK_FALSE(executable_in_path("msc-test-plain"));
    CHECK_FALSE(executable_in_path("sh"));                  // not in this PATH
    ::setenv("PATH", "/usr/bin:/bin", 1);
    CHECK(executable_in_path("sh"));
    ::setenv("PATH", saved.c_str(), 1);
    fs::remove_all(dir);
}
