#include "report/render.hpp"
#include "sys/exec_path.hpp"

#include "report/html.hpp"
#include "report/plots.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace msc::report {

namespace fs = std::filesystem;

namespace {

// Writes via a temporary name and renames, so a reader never sees a half-written file.
void write_file(const fs::path& p, const std::string& content) {
    fs::path tmp = p;
    tmp += ".tmp";
    {
        std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
        if (!o) throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
        o.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!o) throw std::runtime_error("write failed: " + tmp.string());
    }
    fs::rename(tmp, p);
}


} // namespace

int run_quiet(const std::vector<std::string>& argv) {
    if (argv.empty()) return -1;
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

RenderResult write_report(const ReportData& data, const std::string& out_dir, const RenderOptions& opt) {
    RenderResult res;
    fs::path out(out_dir), figdir = out / opt.figure_dir;
    std::error_code ec;
    fs::create_directories(figdir, ec);
    if (ec) throw std::runtime_error("cannot create " + figdir.string() + ": " + ec.message());

    auto figures = all_figures(data);
    bool converter = (opt.png || opt.pdf) && sys::executable_in_path(opt.rsvg_convert);
    if ((opt.png || opt.pdf) && !converter)
        res.warnings.push_back("PNG/PDF figures not written: '" + opt.rsvg_convert +
                               "' not found (install Debian package librsvg2-bin, e.g. bash scripts/deps.sh); "
                               "the SVG figures and report.html are complete");
    HtmlOptions hopt;
    hopt.figure_dir = opt.figure_dir;
    for (auto& f : figures) {
        fs::path svg = figdir / (f.name + ".svg");
        write_file(svg, f.svg);
        res.files.push_back(svg.string());
        if (!converter) continue;
        for (const char* fmt : {"png", "pdf"}) {
            if ((fmt[1] == 'n' && !opt.png) || (fmt[1] == 'd' && !opt.pdf)) continue;
            fs::path target = figdir / (f.name + "." + fmt);
            fs::path tmp = target;
            tmp += ".tmp";
            std::vector<std::string> argv{opt.rsvg_convert, "-f", fmt, "-o", tmp.string()};
            if (fmt[1] == 'n') {
                argv.push_back("-z");
                argv.push_back(std::to_string(opt.png_zoom));
            }
            argv.push_back(svg.string());
            int rc = run_quiet(argv);
            if (rc == 0 && fs::exists(tmp) && fs::file_size(tmp) > 0) {
                fs::rename(tmp, target);
                res.files.push_back(target.string());
            } else {
                fs::remove(tmp, ec);
                res.warnings.push_back(std::string("rsvg-convert failed (status ") + std::to_string(rc) +
                                       ") for " + target.string());
            }
        }
    }
    if (converter) {
        if (opt.png) hopt.figure_formats.push_back("png");
        if (opt.pdf) hopt.figure_formats.push_back("pdf");
    }
    ReportData with_notes = data;
    for (auto& w : res.warnings) with_notes.notes.push_back(w);
    fs::path html = out / "report.html";
    write_file(html, render_html(with_notes, figures, hopt));
    res.files.push_back(html.string());
    res.html = html.string();
    return res;
}

} // namespace msc::report
