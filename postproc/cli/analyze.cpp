#include "cli/analyze.hpp"

#include "ingest/ek_ingest.hpp"
#include "metrics/analyze.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace msc::cli {

namespace fs = std::filesystem;

VantageOpt& AnalyzePlan::vantage(const std::string& id) {
    for (auto& v : vantages)
        if (v.id == id) return v;
    VantageOpt v;
    v.id = id;
    vantages.push_back(std::move(v));
    return vantages.back();
}

bool valid_vantage_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
    return id != "." && id != "..";
}

bool is_ek_name(const std::string& name) {
    auto ends = [&](const char* suf) {
        const size_t n = std::strlen(suf);
        return name.size() > n && name.compare(name.size() - n, n, suf) == 0;
    };
    return ends(".ek") || ends(".json") || ends(".ndjson") || ends(".jsonl");
}

bool parse_vantage_arg(const std::string& arg, VantageOpt& out, std::string& err) {
    const size_t eq = arg.find('=');
    out = VantageOpt{};
    out.id = arg.substr(0, eq);
    if (!valid_vantage_id(out.id)) {
        err = "invalid vantage id '" + out.id + "' in '" + arg + "' (letters, digits, '_', '-', '.')";
        return false;
    }
    if (eq != std::string::npos) {
        auto ip = IpAddr::parse(arg.substr(eq + 1));
        if (!ip) {
            err = "invalid IP address in --vantage " + arg;
            return false;
        }
        out.ip = *ip;
    }
    return true;
}

bool parse_alias(const std::string& text, VantageAlias& out) {
    out = VantageAlias{};
    std::string host = text, port;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string::npos) return false;
        host = text.substr(1, close - 1);
        const std::string rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            port = rest.substr(1);
            if (port.empty()) return false;
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        const size_t colon = text.find(':');
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (port.empty()) return false;
    }
    auto ip = IpAddr::parse(host);
    if (!ip) return false;
    out.ip = *ip;
    if (!port.empty()) {
        uint64_t p = 0;
        if (!parse_uint(port, 65535, p) || p == 0) return false;
        out.port = uint16_t(p);
    }
    return true;
}

bool parse_port_arg(const std::string& arg, std::string& id, uint16_t& port, std::string& err) {
    const size_t eq = arg.find('=');
    std::string num = arg;
    id.clear();
    if (eq != std::string::npos) {
        id = arg.substr(0, eq);
        num = arg.substr(eq + 1);
        if (!valid_vantage_id(id)) {
            err = "invalid vantage id in --vantage-port " + arg;
            return false;
        }
    }
    uint64_t v = 0;
    if (!parse_uint(num, 65535, v) || v == 0) {
        err = "invalid port in --vantage-port " + arg;
        return false;
    }
    port = uint16_t(v);
    return true;
}

namespace {

// ek files directly inside `dir`, sorted by name.
std::vector<std::string> ek_files_in(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (it->is_regular_file(ec2) && is_ek_name(it->path().filename().string())) out.push_back(it->path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool add_path(const std::string& vantage, const std::string& path, AnalyzePlan& plan, std::string& err) {
    if (path == "-") {
        plan.vantage(vantage);
        plan.inputs.push_back({vantage, "-"});
        return true;
    }
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
        err = path + ": no such file or directory";
        return false;
    }
    if (fs::is_directory(st)) {
        auto files = ek_files_in(path);
        if (files.empty()) {
            err = path + ": no ek files (*.ek, *.json, *.ndjson, *.jsonl) in this directory";
            return false;
        }
        plan.vantage(vantage);
        for (auto& f : files) plan.inputs.push_back({vantage, f});
        return true;
    }
    plan.vantage(vantage);
    plan.inputs.push_back({vantage, path});
    return true;
}

} // namespace

bool add_input_arg(const std::string& arg, const std::string& default_vantage, AnalyzePlan& plan,
                   std::string& err) {
    if (arg == "-") return add_path(default_vantage, "-", plan, err);
    std::error_code ec;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos && !fs::exists(arg, ec)) {
        const std::string id = arg.substr(0, eq);
        if (!valid_vantage_id(id)) {
            err = "invalid vantage id '" + id + "' in input '" + arg + "'";
            return false;
        }
        return add_path(id, arg.substr(eq + 1), plan, err);
    }
    const auto st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
        err = arg + ": no such file or directory";
        return false;
    }
    if (!fs::is_directory(st)) return add_path(default_vantage, arg, plan, err);

    // Layout <dir>/<server_id>/<files>.
    std::vector<fs::path> subdirs;
    for (fs::directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (it->is_directory(ec2)) subdirs.push_back(it->path());
    }
    std::sort(subdirs.begin(), subdirs.end());
    bool any = false;
    for (const auto& sd : subdirs) {
        auto files = ek_files_in(sd);
        if (files.empty()) continue;
        const std::string id = sd.filename().string();
        if (!valid_vantage_id(id)) {
            err = sd.string() + ": directory name is not a valid vantage id";
            return false;
        }
        plan.vantage(id);
        for (auto& f : files) plan.inputs.push_back({id, f});
        any = true;
    }
    auto direct = ek_files_in(arg);
    if (!direct.empty()) {
        std::string id = fs::path(arg).lexically_normal().filename().string();
        if (id.empty()) id = fs::path(arg).lexically_normal().parent_path().filename().string();
        if (!valid_vantage_id(id)) id = default_vantage;
        plan.vantage(id);
        for (auto& f : direct) plan.inputs.push_back({id, f});
        any = true;
    }
    if (!any) {
        err = arg + ": no ek files found (expected <dir>/<server_id>/*.ek|*.json|*.ndjson)";
        return false;
    }
    return true;
}

bool load_plan_file(const std::string& path, AnalyzePlan& plan, std::string& err) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        err = path + ": cannot open";
        return false;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    const fs::path base = fs::path(path).parent_path();
    auto resolve = [&](const std::string& p) {
        if (p == "-" || fs::path(p).is_absolute() || base.empty()) return p;
        return (base / p).string();
    };
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
        nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("vantages") || !j["vantages"].is_array()) {
            err = path + ": not a config file (expected {\"vantages\":[…]})";
            return false;
        }
        for (const auto& v : j["vantages"]) {
            if (!v.is_object() || !v.contains("id") || !v["id"].is_string()) {
                err = path + ": every vantage needs a string \"id\"";
                return false;
            }
            const std::string id = v["id"].get<std::string>();
            if (!valid_vantage_id(id)) {
                err = path + ": invalid vantage id '" + id + "'";
                return false;
            }
            VantageOpt& vo = plan.vantage(id);
            if (v.contains("ip") && !v["ip"].is_null()) {
                auto ip = v["ip"].is_string() ? IpAddr::parse(v["ip"].get<std::string>()) : std::nullopt;
                if (!ip) {
                    err = path + ": vantage " + id + ": invalid \"ip\"";
                    return false;
                }
                vo.ip = *ip;
            }
            if (v.contains("p2p_port")) {
                if (!v["p2p_port"].is_number_unsigned() || v["p2p_port"].get<uint64_t>() == 0 ||
                    v["p2p_port"].get<uint64_t>() > 65535) {
                    err = path + ": vantage " + id + ": invalid \"p2p_port\"";
                    return false;
                }
                vo.p2p_port = uint16_t(v["p2p_port"].get<uint64_t>());
            }
            if (v.contains("aliases")) {
                if (!v["aliases"].is_array()) {
                    err = path + ": vantage " + id + ": \"aliases\" must be an array of addresses";
                    return false;
                }
                for (const auto& al : v["aliases"]) {
                    VantageAlias a;
                    if (!al.is_string() || !parse_alias(al.get<std::string>(), a)) {
                        err = path + ": vantage " + id + ": invalid alias";
                        return false;
                    }
                    vo.aliases.push_back(a);
                }
            }
            if (v.contains("inputs")) {
                if (!v["inputs"].is_array()) {
                    err = path + ": vantage " + id + ": \"inputs\" must be an array of paths";
                    return false;
                }
                for (const auto& in : v["inputs"]) {
                    if (!in.is_string()) {
                        err = path + ": vantage " + id + ": \"inputs\" must be an array of paths";
                        return false;
                    }
                    if (!add_path(id, resolve(in.get<std::string>()), plan, err)) return false;
                }
            }
        }
        return true;
    }
    // INI
    std::istringstream in(text);
    std::string line, section;
    size_t lineno = 0;
    auto trim = [](std::string s) {
        const size_t a = s.find_first_not_of(" \t\r");
        if (a == std::string::npos) return std::string();
        const size_t b = s.find_last_not_of(" \t\r");
        return s.substr(a, b - a + 1);
    };
    while (std::getline(in, line)) {
        ++lineno;
        const std::string where = path + ":" + std::to_string(lineno) + ": ";
        const size_t hash = line.find_first_of("#;");
        if (hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty()) continue;
        if (line.front() == '[') {
            if (line.back() != ']') {
                err = where + "unterminated section header";
                return false;
            }
            std::string s = trim(line.substr(1, line.size() - 2));
            if (s.rfind("vantage", 0) != 0) {
                err = where + "unknown section [" + s + "] (expected [vantage ID])";
                return false;
            }
            section = trim(s.substr(7));
            if (!valid_vantage_id(section)) {
                err = where + "invalid vantage id '" + section + "'";
                return false;
            }
            plan.vantage(section);
            continue;
        }
        const size_t eq = line.find('=');
        if (eq == std::string::npos || section.empty()) {
            err = where + (section.empty() ? "key outside a [vantage ID] section" : "expected key = value");
            return false;
        }
        const std::string key = trim(line.substr(0, eq)), val = trim(line.substr(eq + 1));
        VantageOpt& vo = plan.vantage(section);
        if (key == "ip") {
            auto ip = IpAddr::parse(val);
            if (!ip) {
                err = where + "invalid ip";
                return false;
            }
            vo.ip = *ip;
        } else if (key == "p2p_port") {
            uint64_t p = 0;
            if (!parse_uint(val, 65535, p) || p == 0) {
                err = where + "invalid p2p_port";
                return false;
            }
            vo.p2p_port = uint16_t(p);
        } else if (key == "alias") {
            VantageAlias a;
            if (!parse_alias(val, a)) {
                err = where + "invalid alias (IP, IPv4:PORT, [IPv6] or [IPv6]:PORT)";
                return false;
            }
            vo.aliases.push_back(a);
        } else if (key == "input") {
            if (!add_path(section, resolve(val), plan, err)) {
                err = where + err;
                return false;
            }
        } else {
            err = where + "unknown key '" + key + "' (ip, p2p_port, alias, input)";
            return false;
        }
    }
    return true;
}

int run_analyze(const AnalyzeOptions& opt) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    if (opt.plan.inputs.empty()) {
        std::cerr << "moneroscope analyze: no input (give ek files, '-', a directory, or --config)\n";
        return kExitUsage;
    }
    ModelBuilder builder(opt.builder);
    for (const auto& v : opt.plan.vantages) {
        const uint32_t idx = builder.add_vantage({v.id, v.ip, v.p2p_port.value_or(opt.default_p2p_port)});
        for (const auto& a : v.aliases) builder.add_vantage_alias(idx, a);
    }

    size_t printed = 0;
    uint64_t suppressed = 0;
    auto on_error = [&](const std::string& e) {
        if (printed < opt.max_errors) {
            std::cerr << e << "\n";
            ++printed;
        } else {
            ++suppressed;
        }
    };
    uint64_t index_lines = 0, without_monero = 0, delivered = 0;
    std::vector<std::string> read_errors;   // inputs that failed mid-way: what was read is kept
    for (const auto& in : opt.plan.inputs) {
        const auto known = builder.find_vantage(in.vantage);
        const uint32_t v = known ? *known : builder.add_vantage({in.vantage, std::nullopt, opt.default_p2p_port});
        const std::string name = in.path == "-" ? "<stdin>" : in.path;
        const uint32_t idx = builder.add_input(v, name);
        EkIngest ing(idx, name, [&](const LevinMessage& m) { builder.add(m); }, on_error);
        ing.set_max_line_bytes(opt.max_line_bytes);
        const bool ok = ing.read_path(in.path);
        const auto& st = ing.stats();
        builder.set_input_stats(idx, st.lines, st.messages, st.malformed_lines, !ok);
        ing.merge_into(builder.diagnostics());
        index_lines += st.index_lines;
        without_monero += st.frames_without_monero;
        delivered += st.messages;
        if (!ok) {
            std::cerr << "moneroscope analyze: " << ing.io_error() << " (the " << st.messages
                      << " messages read before it are analysed; the results will be incomplete)\n";
            read_errors.push_back(ing.io_error());
        }
    }
    if (delivered == 0)
        std::cerr << "moneroscope analyze: no Levin message in any input (" << opt.plan.inputs.size()
                  << " input(s)): was the ek written with the ek-contract invocation and the moneroscope plugin "
                     "(docs/ek-contract.md)? Empty results are written; exit code 2\n";
    if (suppressed) std::cerr << "moneroscope analyze: " << suppressed << " more malformed-line diagnostics not shown\n";
    builder.diagnostics().index_lines += index_lines;
    builder.diagnostics().frames_without_monero += without_monero;

    Model model = builder.finish();
    if (!model.input.vantage_errors.empty()) {
        for (const auto& e : model.input.vantage_errors) std::cerr << "moneroscope analyze: " << e << "\n";
        return kExitUsage;
    }
    for (const auto& v : model.vantages)
        if (v.ip_inferred && (opt.quiet || opt.json))
            std::cerr << "moneroscope analyze: vantage " << v.id << " IP inferred: " << v.ip.to_string() << "\n";
    const auto t1 = clock::now();

    AnalysisResult result = analyze(model, opt.config);
    const auto t2 = clock::now();

    output::RunInfo run = opt.run;
    run.ingest_seconds = std::chrono::duration<double>(t1 - t0).count();
    run.analyze_seconds = std::chrono::duration<double>(t2 - t1).count();
    if (auto err = output::write_all(opt.out_dir, model, result, opt.config, run)) {
        std::cerr << "moneroscope analyze: " << *err << "\n";
        return kExitIo;
    }
    if (opt.json) {
        std::cout << output::report_json(model, result, opt.config, run).dump(2) << "\n";
    } else if (!opt.quiet) {
        std::cout << output::human_summary(model, result, opt.out_dir);
    }
    std::cout.flush();
    if (!std::cout) return kExitIo;
    if (!read_errors.empty()) return kExitIo;
    return model.input.malformed_lines > 0 || delivered == 0 ? kExitDamaged : kExitOk;
}

} // namespace msc::cli
