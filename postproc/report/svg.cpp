#include "report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace msc::report {

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default:
            // Control characters are not allowed in XML 1.0: replace them.
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += "\xEF\xBF\xBD";
            else out += static_cast<char>(c);
        }
    }
    return out;
}

std::string num(double v, int max_decimals) {
    if (!std::isfinite(v)) return "0";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", std::clamp(max_decimals, 0, 9), v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    return s;
}

std::string tick_label(double v) {
    if (!std::isfinite(v)) return "";
    double a = std::fabs(v);
    if (a >= 1 && std::fabs(v - std::round(v)) < 1e-9) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.0f", std::fabs(v));
        std::string digits = buf, out;
        int n = static_cast<int>(digits.size());
        for (int i = 0; i < n; ++i) {
            out += digits[static_cast<size_t>(i)];
            if ((n - i - 1) % 3 == 0 && i != n - 1) out += ',';
        }
        return v < 0 ? "-" + out : out;
    }
    if (a == 0) return "0";
    if (a < 0.001) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0e", v);
        return buf;
    }
    return num(v, a < 0.1 ? 3 : 2);
}

Svg::Svg(double width, double height, std::string title)
    : w_(width), h_(height), title_(std::move(title)) {}

static std::string tip(std::string_view tooltip) {
    if (tooltip.empty()) return {};
    return "<title>" + xml_escape(tooltip) + "</title>";
}

void Svg::rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke,
               std::string_view tooltip) {
    if (w < 0) { x += w; w = -w; }
    if (h < 0) { y += h; h = -h; }
    body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
             num(h) + "\" fill=\"" + xml_escape(fill) + "\" stroke=\"" + xml_escape(stroke) + "\"";
    if (tooltip.empty()) body_ += "/>";
    else body_ += ">" + tip(tooltip) + "</rect>";
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width,
               std::string_view dash) {
    body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
             num(y2) + "\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" + num(width) + "\"";
    if (!dash.empty()) body_ += " stroke-dasharray=\"" + xml_escape(dash) + "\"";
    body_ += "/>";
}

void Svg::polyline(const std::vector<std::pair<double, double>>& pts, std::string_view stroke,
                   double width) {
    if (pts.empty()) return;
    body_ += "<polyline fill=\"none\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" + num(width) +
             "\" points=\"";
    for (size_t i = 0; i < pts.size(); ++i) {
        if (i) body_ += ' ';
        body_ += num(pts[i].first) + "," + num(pts[i].second);
    }
    body_ += "\"/>";
}

void Svg::circle(double cx, double cy, double r, std::string_view fill, std::string_view tooltip) {
    body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\" fill=\"" +
             xml_escape(fill) + "\"";
    if (tooltip.empty()) body_ += "/>";
    else body_ += ">" + tip(tooltip) + "</circle>";
}

void Svg::text(double x, double y, std::string_view s, double size, std::string_view anchor,
               std::string_view fill, double rotate, bool bold) {
    body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) +
             "\" text-anchor=\"" + xml_escape(anchor) + "\" fill=\"" + xml_escape(fill) + "\"";
    if (bold) body_ += " font-weight=\"bold\"";
    if (rotate != 0)
        body_ += " transform=\"rotate(" + num(rotate) + " " + num(x) + " " + num(y) + ")\"";
    body_ += ">" + xml_escape(s) + "</text>";
}

std::string Svg::str(bool standalone) const {
    std::string out;
    if (standalone) out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(w_) +
           "\" height=\"" + num(h_) + "\" viewBox=\"0 0 " + num(w_) + " " + num(h_) +
           "\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" role=\"img\">";
    out += "<title>" + xml_escape(title_) + "</title>";
    out += "<rect x=\"0\" y=\"0\" width=\"" + num(w_) + "\" height=\"" + num(h_) + "\" fill=\"#ffffff\"/>";
    out += body_;
    out += "</svg>\n";
    return out;
}

double Axis::map(double v) const {
    double a = lo, b = hi, t = v;
    if (log) {
        a = std::log10(std::max(lo, 1e-300));
        b = std::log10(std::max(hi, 1e-300));
        t = std::log10(std::max(v, 1e-300));
    }
    if (b == a) return (p0 + p1) / 2;
    return p0 + (t - a) / (b - a) * (p1 - p0);
}

std::vector<double> Axis::ticks(int target) const {
    std::vector<double> out;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) {
        out.push_back(lo);
        return out;
    }
    if (log) {
        double a = std::floor(std::log10(lo) + 1e-9), b = std::ceil(std::log10(hi) - 1e-9);
        int step = std::max(1, static_cast<int>(std::ceil((b - a) / std::max(1, target))));
        for (double e = a; e <= b + 1e-9; e += step) {
            double v = std::pow(10.0, e);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
        }
        if (out.empty()) out = {lo, hi};
        return out;
    }
    double span = hi - lo;
    double raw = span / std::max(1, target);
    double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (mag * m >= raw) { step = mag * m; break; }
    }
    double first = std::ceil(lo / step - 1e-9) * step;
    for (double v = first; v <= hi + step * 1e-9 && out.size() < 50; v += step)
        out.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
    return out;
}

const char* palette(size_t i) {
    static const char* colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                    "#56B4E9", "#F0E442", "#000000", "#8c564b", "#7f7f7f"};
    return colours[i % (sizeof colours / sizeof colours[0])];
}

void draw_axes(Svg& svg, const Rect& a, const Axis& x, const Axis& y, std::string_view xlabel,
               std::string_view ylabel) {
    for (double t : y.ticks()) {
        double py = y.map(t);
        svg.line(a.x, py, a.x + a.w, py, "#e4e4e4");
        svg.line(a.x - 4, py, a.x, py, "#444");
        svg.text(a.x - 6, py + 4, tick_label(t), 10, "end", "#444");
    }
    for (double t : x.ticks()) {
        double px = x.map(t);
        svg.line(px, a.y + a.h, px, a.y + a.h + 4, "#444");
        svg.text(px, a.y + a.h + 16, tick_label(t), 10, "middle", "#444");
    }
    svg.line(a.x, a.y + a.h, a.x + a.w, a.y + a.h, "#444");
    svg.line(a.x, a.y, a.x, a.y + a.h, "#444");
    if (!xlabel.empty()) svg.text(a.x + a.w / 2, a.y + a.h + 34, xlabel, 11, "middle");
    if (!ylabel.empty()) svg.text(a.x - 48, a.y + a.h / 2, ylabel, 11, "middle", "#222", -90);
}

void draw_legend(Svg& svg, const Rect& a, const std::vector<std::pair<std::string, std::string>>& items) {
    if (items.empty()) return;
    // Long labels (AS names) are shortened so the legend does not cover the plot; the full text
    // stays in the bars' tooltips.
    constexpr size_t kMaxChars = 34;
    auto shown = [&](const std::string& l) {
        if (l.size() <= kMaxChars) return l;
        size_t cut = kMaxChars - 1;
        while (cut > 0 && (static_cast<unsigned char>(l[cut]) & 0xC0) == 0x80) --cut;   // UTF-8 boundary
        return l.substr(0, cut) + "\xE2\x80\xA6";
    };
    size_t longest = 0;
    for (const auto& it : items) longest = std::max(longest, std::min(it.first.size(), kMaxChars));
    double w = 26 + 6.2 * static_cast<double>(longest);
    double h = 6 + 16 * static_cast<double>(items.size());
    double x = a.x + a.w - w - 6, y = a.y + 6;
    svg.rect(x, y, w, h, "#ffffff", "#bbbbbb");
    for (size_t i = 0; i < items.size(); ++i) {
        double iy = y + 5 + 16 * static_cast<double>(i);
        svg.rect(x + 6, iy + 2, 10, 10, items[i].second);
        svg.text(x + 22, iy + 11, shown(items[i].first), 10);
    }
}

void draw_no_data(Svg& svg, const Rect& a, std::string_view why) {
    svg.rect(a.x, a.y, a.w, a.h, "#fafafa", "#cccccc");
    svg.text(a.x + a.w / 2, a.y + a.h / 2, "no data", 16, "middle", "#888", 0, true);
    if (!why.empty()) svg.text(a.x + a.w / 2, a.y + a.h / 2 + 20, why, 11, "middle", "#888");
}

} // namespace msc::report
